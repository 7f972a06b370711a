import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type Client,
  createGroundworkClient,
  deleteAttachment,
  downloadAttachment,
  listAttachments,
  uploadAttachment,
} from '@groundwork/api-client';
import { createS3Client } from '@groundwork/files/s3';
import { SseClient } from '../support/sse-client.js';
import { S3RVER_CREDENTIALS, S3TestServer } from '../support/s3-server.js';
import { eventually } from '../support/wait.js';
import type { AppProcess } from '../support/app-process.js';
import { type Stack, startStack } from '../support/stack.js';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Attachments as deployed, through the generated client: the built api and worker with the S3
 * driver against a real S3-compatible server (s3rver) on 127.0.0.1. Uploads and downloads go
 * through the SDK functions generated from the committed spec; events reach SSE clients
 * through the outbox; the worker removes objects once nothing uses them.
 */
describe('attachments through the generated client (api + worker, S3 driver on s3rver)', () => {
  let s3: S3TestServer;
  let stack: Stack;
  let api: AppProcess;
  let client: Client;
  let token = '';
  let workspaceId: string;
  let taskId: string;

  const withS3 = async <T>(use: (s3Client: ReturnType<typeof createS3Client>) => Promise<T>): Promise<T> => {
    const s3Client = createS3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: s3.bucket,
      credentials: { ...S3RVER_CREDENTIALS },
      forcePathStyle: true,
    });
    try {
      return await use(s3Client);
    } finally {
      s3Client.destroy();
    }
  };
  const keysOf = (prefix: string): Promise<string[]> =>
    withS3(async (s3Client) => {
      const page = await s3Client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
      return (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
    });

  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const post = (path: string, body: unknown) => call('POST', path, body);

  beforeAll(async () => {
    s3 = await S3TestServer.start();
    stack = await startStack({
      label: 'files',
      mail: 'files',
      env: {
        ...s3.env(),
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'warn',
        JOB_BACKOFF_MS: '100',
      },
    });
    // Started here with a boot deadline of their own: a busy machine boots them slowly.
    [api] = await Promise.all([
      stack.start('api', { waitFor: 'ready', timeoutMs: 120_000 }),
      stack.start('worker', { waitFor: 'ready', timeoutMs: 120_000 }),
    ]);
    const email = `fay-${Date.now().toString(36)}@files.test`;
    const password = 'correct horse battery staple';
    await post('/v1/auth/register', { email, password, name: 'Fay Files' });
    await stack.db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]);
    token = String((await call('POST', '/v1/auth/login', { email, password })).accessToken);
    client = createGroundworkClient({ baseUrl: api.url, token });
    workspaceId = String(
      (await post('/v1/workspaces', { name: 'Files', slug: `files-${Date.now().toString(36)}` })).id,
    );
    const project = await post(`/v1/workspaces/${workspaceId}/projects`, { name: 'P', key: 'PRJ' });
    taskId = String((await post(`/v1/workspaces/${workspaceId}/tasks`, { projectId: project.id, title: 'T' })).id);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await s3?.stop();
  });

  it('uploads and downloads with the generated client; the events reach SSE; the worker removes the unused object', async () => {
    const events = await SseClient.open(`${api.url}/v1/workspaces/${workspaceId}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    try {
      const uploaded = await uploadAttachment({
        client,
        path: { workspaceId, taskId },
        body: { file: new File([PNG], 'pixel.png', { type: 'image/png' }) },
      });
      expect(uploaded.response?.status).toBe(201);
      const attachment = uploaded.data;
      if (!attachment) throw new Error(`no attachment: ${JSON.stringify(uploaded.error)}`);
      expect(attachment).toMatchObject({
        taskId,
        filename: 'pixel.png',
        contentType: 'image/png',
        size: PNG.length,
        sha256: createHash('sha256').update(PNG).digest('hex'),
      });
      expect(await keysOf(`${workspaceId}/`)).toEqual([`${workspaceId}/${attachment.sha256}`]);
      const added = await events.waitFor((m) => m.event === 'attachment.added', 10_000);
      expect(JSON.parse(added.data)).toMatchObject({ data: { attachmentId: attachment.id, taskId } });

      const path = { workspaceId, taskId, attachmentId: attachment.id };
      const downloaded = await downloadAttachment({ client, path, parseAs: 'blob' });
      expect(downloaded.response?.status).toBe(200);
      if (!downloaded.data) throw new Error('no bytes');
      expect(Buffer.from(await downloaded.data.arrayBuffer()).equals(PNG)).toBe(true);
      expect(downloaded.response?.headers.get('etag')).toBe(`"${attachment.sha256}"`);
      const ranged = await downloadAttachment({
        client,
        path,
        parseAs: 'blob',
        headers: { Range: 'bytes=1-3' },
      });
      expect(ranged.response?.status).toBe(206);
      expect(await ranged.data?.text()).toBe('PNG');

      const listed = await listAttachments({ client, path: { workspaceId, taskId } });
      expect(listed.data?.data.map((a) => a.id)).toEqual([attachment.id]);

      const deleted = await deleteAttachment({ client, path });
      expect(deleted.response?.status).toBe(204);
      await events.waitFor((m) => m.event === 'attachment.deleted', 10_000);
      await eventually(async () => (await keysOf(`${workspaceId}/`)).length === 0, 20_000);
    } finally {
      events.close();
    }
  }, 60_000);

  it('has the worker sweep staged uploads on an hourly schedule, keeping those written within the hour', async () => {
    const queue = stack.queue('files');
    expect((await queue.getJobScheduler('files-staging-sweep'))?.pattern).toBe('17 * * * *');
    const staged = `.staging/${workspaceId}/an-upload-being-written`;
    await withS3((s3Client) =>
      s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: staged, Body: Buffer.from('partial') })),
    );

    const events = await stack.queueEvents('files');
    const sweep = await queue.add('staging.sweep', {});
    expect(await sweep.waitUntilFinished(events, 20_000)).toBe('removed 0 staged uploads');
    expect(await keysOf(`.staging/${workspaceId}/`)).toEqual([staged]);
  }, 60_000);

  it('streams a larger file through, and removes a deleted workspace’s objects in the worker', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const uploaded = await uploadAttachment({
      client,
      path: { workspaceId, taskId },
      body: { file: new File([bytes], 'data.bin', { type: 'application/octet-stream' }) },
    });
    expect(uploaded.response?.status).toBe(201);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(uploaded.data?.sha256).toBe(sha256);
    expect(await keysOf(`${workspaceId}/`)).toEqual([`${workspaceId}/${sha256}`]);

    await call('DELETE', `/v1/workspaces/${workspaceId}`);
    // Its objects and its staged uploads (two prefixes, removed one after the other).
    await eventually(
      async () => (await keysOf(`${workspaceId}/`)).length + (await keysOf(`.staging/${workspaceId}/`)).length === 0,
      20_000,
    );
  }, 60_000);
});
