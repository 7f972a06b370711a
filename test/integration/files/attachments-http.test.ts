import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { objectKey, ObjectStorage, StoredObjects } from '@groundwork/files';
import { FlagsAdminService } from '@groundwork/flags';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, newId, PrismaService } from '@groundwork/platform';
import type { WorkspaceRole } from '@groundwork/workspaces';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { eventually } from '../../support/wait.js';
import { deleteRedisKeys } from '../../support/test-redis.js';

/**
 * Attachments through the api, on real PostgreSQL and Redis and the local-disk driver: what a
 * client sees (statuses, headers, bytes) and what stays behind (rows, objects, events).
 */

const MAX_BYTES = 1024 * 1024;
const QUOTA_BYTES = 3 * 1024 * 1024;
/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

interface Part {
  name: string;
  filename?: string;
  type?: string;
  body: Buffer | string;
}

const BOUNDARY = 'gw-test-boundary-7MA4YWxkTrZu0gW';

/** A multipart/form-data body written byte for byte (filenames as raw UTF-8, as browsers send them). */
function multipart(parts: Part[], { close = true } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const head = [`--${BOUNDARY}`, `Content-Disposition: ${disposition}`];
    if (part.type) head.push(`Content-Type: ${part.type}`);
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), Buffer.from(part.body), Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('attachments over HTTP (local disk)', () => {
  const prefix = `gwtest_files_${process.pid}_${Date.now()}`;
  let storageDir: string;
  let app: INestApplication;
  let url: string;
  let prisma: PrismaService;
  const workspaceIds: string[] = [];

  beforeAll(async () => {
    storageDir = await mkdtemp(path.join(tmpdir(), 'gw-attachments-'));
    const config = loadAppConfig('api', {
      ...process.env,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'error',
      STORAGE_DRIVER: 'local',
      STORAGE_DIR: storageDir,
      ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
      WORKSPACE_STORAGE_QUOTA_BYTES: String(QUOTA_BYTES),
    });
    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);
  });

  afterAll(async () => {
    await prisma.workspace.deleteMany({ where: { id: { in: workspaceIds } } });
    await app.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
    await rm(storageDir, { recursive: true, force: true });
  });

  async function person(role: string): Promise<{ id: string; authorization: string }> {
    const id = newId();
    await prisma.user.create({
      data: { id, email: `${role}-${id}@files.test`, name: role, emailVerifiedAt: new Date() },
    });
    const session = await app.get(SessionsService).open(id, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    return { id, authorization: `Bearer ${session.tokens.accessToken}` };
  }

  /** A workspace with one person per role, a project and a task. */
  async function arrange() {
    const roles: WorkspaceRole[] = ['owner', 'admin', 'member', 'viewer'];
    const people = Object.fromEntries(
      await Promise.all(roles.map(async (r) => [r, await person(r)] as const)),
    ) as Record<WorkspaceRole, { id: string; authorization: string }>;
    const bob = await person('member');
    const workspaceId = newId();
    workspaceIds.push(workspaceId);
    await prisma.workspace.create({
      data: {
        id: workspaceId,
        name: 'Files',
        slug: `files-${workspaceId}`,
        memberships: {
          create: [...roles.map((role) => ({ userId: people[role].id, role })), { userId: bob.id, role: 'member' }],
        },
      },
    });
    const base = `/v1/workspaces/${workspaceId}`;
    const project = await json('POST', `${base}/projects`, people.owner.authorization, { name: 'P', key: 'PRJ' });
    const task = await json('POST', `${base}/tasks`, people.owner.authorization, {
      projectId: project.body.id,
      title: 'Has files',
    });
    const attachments = `${base}/tasks/${String(task.body.id)}/attachments`;
    return { workspaceId, base, taskId: String(task.body.id), attachments, people, bob };
  }

  async function json(method: string, pathname: string, authorization: string, body?: unknown) {
    const res = await fetch(`${url}${pathname}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  }

  async function upload(
    pathname: string,
    authorization: string,
    body: Buffer,
    contentType?: string,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${url}${pathname}`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': contentType ?? `multipart/form-data; boundary=${BOUNDARY}`,
        ...headers,
      },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  }

  async function download(pathname: string, authorization: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}${pathname}`, { headers: { authorization, ...headers } });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  /** Every file the local driver holds for the workspace (objects and staged uploads). */
  async function filesOf(workspaceId: string): Promise<string[]> {
    const entries = await readdir(path.join(storageDir, workspaceId), { recursive: true, withFileTypes: true }).catch(
      () => [],
    );
    return entries.filter((e) => e.isFile()).map((e) => path.relative(storageDir, path.join(e.parentPath, e.name)));
  }

  async function rowsOf(workspaceId: string): Promise<number> {
    return prisma.attachment.count({ where: { workspaceId } });
  }

  async function eventsOf(workspaceId: string, type: string): Promise<unknown[]> {
    const rows = await prisma.outboxEvent.findMany({ where: { workspaceId, type }, orderBy: { seq: 'asc' } });
    return rows.map((r) => r.data);
  }

  it('stores an upload streamed to disk under its content hash, and serves it back whole', async () => {
    const { workspaceId, attachments, people, taskId } = await arrange();
    const bytes = randomBytes(200 * 1024);

    const created = await upload(
      attachments,
      people.member.authorization,
      multipart([{ name: 'file', filename: 'données.bin', type: 'application/octet-stream', body: bytes }]),
    );

    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      taskId,
      filename: 'données.bin',
      contentType: 'application/octet-stream',
      size: bytes.length,
      sha256: sha256(bytes),
      uploadedBy: people.member.id,
      createdAt: expect.any(String),
    });
    expect(created.headers.get('location')).toMatch(new RegExp(`${attachments}/${String(created.body.id)}$`));
    expect(await filesOf(workspaceId)).toEqual([`${workspaceId}/${sha256(bytes)}`]);

    const content = await download(`${attachments}/${String(created.body.id)}/content`, people.viewer.authorization);
    expect(content.status).toBe(200);
    expect(content.bytes.equals(bytes)).toBe(true);
    expect(Object.fromEntries(content.headers)).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      etag: `"${sha256(bytes)}"`,
      'accept-ranges': 'bytes',
      'content-disposition': "attachment; filename*=UTF-8''donn%C3%A9es.bin",
      'x-content-type-options': 'nosniff',
    });

    const list = await json('GET', attachments, people.viewer.authorization);
    expect(list.body).toEqual({ data: [created.body], page: { nextCursor: null, limit: 20 } });
    const one = await json('GET', `${attachments}/${String(created.body.id)}`, people.viewer.authorization);
    expect(one.body).toEqual(created.body);
    expect(await eventsOf(workspaceId, 'attachment.added')).toEqual([{ attachmentId: created.body.id, taskId }]);
  });

  it('serves one range (206), refuses one outside the file (416), and ignores malformed or multiple ranges (200)', async () => {
    const { attachments, people } = await arrange();
    const bytes = Buffer.from('0123456789'.repeat(10));
    const created = await upload(
      attachments,
      people.member.authorization,
      multipart([{ name: 'file', filename: 'digits.txt', type: 'text/plain', body: bytes }]),
    );
    const content = `${attachments}/${String(created.body.id)}/content`;
    const auth = people.viewer.authorization;

    const part = await download(content, auth, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.bytes.toString()).toBe('0123456789');
    expect(part.headers.get('content-range')).toBe('bytes 10-19/100');
    expect(part.headers.get('content-length')).toBe('10');
    expect((await download(content, auth, { range: 'bytes=-3' })).bytes.toString()).toBe('789');

    const outside = await download(content, auth, { range: 'bytes=100-' });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe('bytes */100');
    expect(outside.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    for (const range of ['bytes=0-1,5-6', 'bytes=9-2', 'lines=1-2', 'bytes=x']) {
      const whole = await download(content, auth, { range });
      expect([whole.status, whole.bytes.length]).toEqual([200, 100]);
    }
    expect((await download(content, auth, { range: 'bytes=0-1', 'if-range': '"stale"' })).status).toBe(200);
    const etag = part.headers.get('etag') ?? '';
    const cached = await download(content, auth, { 'if-none-match': etag });
    expect(cached.status).toBe(304);
    expect(cached.bytes.length).toBe(0);
    expect(cached.headers.get('etag')).toBe(etag);
  });

  it('accepts a file of exactly ATTACHMENT_MAX_BYTES and refuses one byte more with 413, keeping nothing', async () => {
    const { workspaceId, attachments, people } = await arrange();
    const exact = randomBytes(MAX_BYTES);

    const accepted = await upload(
      attachments,
      people.member.authorization,
      multipart([{ name: 'file', filename: 'exact.bin', body: exact, type: 'application/octet-stream' }]),
    );
    expect([accepted.status, accepted.body.size]).toEqual([201, MAX_BYTES]);

    const over = randomBytes(MAX_BYTES + 1);
    const refused = await upload(
      attachments,
      people.member.authorization,
      multipart([{ name: 'file', filename: 'over.bin', body: over, type: 'application/octet-stream' }]),
    );
    expect(refused.status).toBe(413);
    expect(refused.body.type).toBe('https://groundwork.dev/problems/payload-too-large');
    expect(await rowsOf(workspaceId)).toBe(1);
    expect(await filesOf(workspaceId)).toEqual([`${workspaceId}/${sha256(exact)}`]);
  });

  it('checks the declared type against the bytes (415), with UTF-8 without NUL for text types', async () => {
    const { workspaceId, attachments, people } = await arrange();
    const auth = people.member.authorization;
    const send = (type: string | undefined, body: Buffer | string, filename = 'f') =>
      upload(attachments, auth, multipart([{ name: 'file', filename, type, body }]));

    const fakePng = await send('image/png', 'just some text');
    expect(fakePng.status).toBe(415);
    expect(fakePng.body).toMatchObject({ declaredType: 'image/png' });
    expect((await send('text/plain', PNG)).status).toBe(415);
    expect((await send('text/plain', Buffer.from('nul\u0000inside'))).status).toBe(415);
    expect((await send('text/csv', Buffer.from([0x61, 0xff, 0xfe, 0x62]))).status).toBe(415);
    expect(await rowsOf(workspaceId)).toBe(0);
    expect(await filesOf(workspaceId)).toEqual([]);

    const png = await send('image/png', PNG, 'pixel.png');
    expect([png.status, png.body.contentType]).toEqual([201, 'image/png']);
    const sniffed = await send('application/octet-stream', PNG, 'no-type');
    expect([sniffed.status, sniffed.body.contentType]).toEqual([201, 'image/png']);
    const csv = await send('text/csv', 'name,city\nZoë,Zürich\n', 'people.csv');
    expect([csv.status, csv.body.contentType]).toEqual([201, 'text/csv']);
    const json = await send('application/json', '{"a":1}', 'a.json');
    expect(json.status).toBe(201);
  });

  it('stores filenames without path separators, control or bidi-override characters, at most 255 bytes', async () => {
    const { attachments, people } = await arrange();
    const send = async (filename: string) =>
      (
        await upload(
          attachments,
          people.member.authorization,
          multipart([{ name: 'file', filename, type: 'text/plain', body: 'x' }]),
        )
      ).body;

    // busboy keeps only the last path segment; the sanitiser removes any separator left.
    expect((await send('../../etc/passwd')).filename).toBe('passwd');
    expect((await send('..\\..\\boot.ini')).filename).toBe('boot.ini');
    expect((await send('invoice\u202Efdp.exe')).filename).toBe('invoicefdp.exe');
    expect((await send('..')).filename).toBe('file');
    const long = await send(`${'é'.repeat(200)}.txt`);
    expect(Buffer.byteLength(String(long.filename))).toBeLessThanOrEqual(255);
    expect(String(long.filename).endsWith('.txt')).toBe(true);

    // A quoted-pair in the part header: the name is `a";b.txt`.
    const quoted = await send('a\\";b.txt');
    expect(quoted.filename).toBe('a";b.txt');
    const content = await download(`${attachments}/${String(quoted.id)}/content`, people.member.authorization);
    expect(content.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''a%22%3Bb.txt");
  });

  it('answers malformed multipart with 400, wrong parts with 422 and other body types with 415, keeping nothing', async () => {
    const { workspaceId, attachments, people } = await arrange();
    const auth = people.member.authorization;
    const file = { name: 'file', filename: 'a.txt', type: 'text/plain', body: 'hello' };

    expect((await upload(attachments, auth, multipart([file]), 'multipart/form-data')).status).toBe(400);
    expect((await upload(attachments, auth, multipart([file], { close: false }))).status).toBe(400);
    const cutInFile = multipart([{ ...file, body: 'x'.repeat(10_000) }]).subarray(0, 5000);
    expect((await upload(attachments, auth, cutInFile)).status).toBe(400);

    const twoFiles = await upload(attachments, auth, multipart([file, { ...file, filename: 'b.txt' }]));
    expect(twoFiles.status).toBe(422);
    expect(twoFiles.body.errors).toEqual([{ field: 'file', message: 'only one file may be uploaded at a time' }]);
    expect((await upload(attachments, auth, multipart([{ ...file, name: 'upload' }]))).status).toBe(422);
    expect((await upload(attachments, auth, multipart([file, { name: 'note', body: 'hi' }]))).status).toBe(422);
    expect((await upload(attachments, auth, multipart([{ name: 'file', body: 'no filename' }]))).status).toBe(422);
    expect((await upload(attachments, auth, multipart([]))).status).toBe(422);
    expect((await upload(attachments, auth, Buffer.from('{"file":"x"}'), 'application/json')).status).toBe(415);
    expect((await upload(attachments, auth, Buffer.from('file=x'), 'application/x-www-form-urlencoded')).status).toBe(
      415,
    );

    expect(await rowsOf(workspaceId)).toBe(0);
    expect(await filesOf(workspaceId)).toEqual([]);
  });

  it('leaves nothing behind when the client disconnects mid-upload', async () => {
    const { workspaceId, attachments, people } = await arrange();
    const body = multipart([
      { name: 'file', filename: 'big.bin', type: 'application/octet-stream', body: randomBytes(512 * 1024) },
    ]);
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      [
        `POST ${attachments} HTTP/1.1`,
        `host: 127.0.0.1:${port}`,
        `authorization: ${people.member.authorization}`,
        `content-type: multipart/form-data; boundary=${BOUNDARY}`,
        `content-length: ${body.length}`,
        '',
        '',
      ].join('\r\n'),
    );
    socket.write(body.subarray(0, 300 * 1024));
    // Wait until the server has staged some bytes, then vanish.
    await eventually(async () => (await filesOf(workspaceId)).length > 0);
    socket.destroy();

    await eventually(async () => (await filesOf(workspaceId)).length === 0);
    expect(await rowsOf(workspaceId)).toBe(0);
  });

  it('reserves the quota atomically: of two uploads that together exceed it, one gets 201 and the other 409', async () => {
    const { workspaceId, attachments, people } = await arrange();
    const auth = people.member.authorization;
    const file = (bytes: Buffer) =>
      multipart([{ name: 'file', filename: 'q.bin', type: 'application/octet-stream', body: bytes }]);
    expect((await upload(attachments, auth, file(randomBytes(MAX_BYTES)))).status).toBe(201);
    expect((await upload(attachments, auth, file(randomBytes(MAX_BYTES)))).status).toBe(201);

    // 2 MiB used of 3: either upload fits alone, not both.
    const racing = await Promise.all([
      upload(attachments, auth, file(randomBytes(700 * 1024))),
      upload(attachments, auth, file(randomBytes(700 * 1024))),
    ]);
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
    const refused = racing.find((r) => r.status === 409);
    expect(refused?.body.type).toBe('https://groundwork.dev/problems/storage-quota-exceeded');
    expect(await rowsOf(workspaceId)).toBe(3);
    expect(await filesOf(workspaceId)).toHaveLength(3);
    const usage = await prisma.workspaceStorageUsage.findUniqueOrThrow({ where: { workspaceId } });
    expect(Number(usage.usedBytes)).toBe(2 * MAX_BYTES + 700 * 1024);
  });

  it('shares one object between identical uploads; the worker’s collection removes it only once none uses it', async () => {
    const { workspaceId, attachments, people, bob, taskId } = await arrange();
    const bytes = randomBytes(10_000);
    const file = multipart([{ name: 'file', filename: 'same.bin', type: 'application/octet-stream', body: bytes }]);
    const mine = await upload(attachments, people.member.authorization, file);
    const bobs = await upload(attachments, bob.authorization, file);
    const objects = app.get(StoredObjects);
    expect(await filesOf(workspaceId)).toEqual([`${workspaceId}/${sha256(bytes)}`]);

    // A member deletes only their own; an admin any.
    expect((await json('DELETE', `${attachments}/${String(mine.body.id)}`, bob.authorization)).status).toBe(403);
    expect((await json('DELETE', `${attachments}/${String(mine.body.id)}`, people.viewer.authorization)).status).toBe(
      403,
    );
    expect((await json('DELETE', `${attachments}/${String(mine.body.id)}`, people.member.authorization)).status).toBe(
      204,
    );
    expect(await objects.collectUnused(workspaceId)).toBe(0);
    expect(await filesOf(workspaceId)).toHaveLength(1);

    expect((await json('DELETE', `${attachments}/${String(bobs.body.id)}`, people.admin.authorization)).status).toBe(
      204,
    );
    expect((await json('GET', `${attachments}/${String(bobs.body.id)}`, people.admin.authorization)).status).toBe(404);
    expect(await objects.collectUnused(workspaceId)).toBe(1);
    expect(await filesOf(workspaceId)).toEqual([]);
    expect(await prisma.storedObject.count({ where: { workspaceId } })).toBe(0);
    const usage = await prisma.workspaceStorageUsage.findUniqueOrThrow({ where: { workspaceId } });
    expect(Number(usage.usedBytes)).toBe(0);
    expect(await eventsOf(workspaceId, 'attachment.deleted')).toEqual([
      { attachmentId: mine.body.id, taskId },
      { attachmentId: bobs.body.id, taskId },
    ]);
  });

  it('keeps an object a concurrent upload is committing while a failed upload’s cleanup removes it if unused', async () => {
    const { workspaceId } = await arrange();
    const bytes = randomBytes(2048);
    const key = objectKey(workspaceId, sha256(bytes));
    const storage = app.get(ObjectStorage);
    const objects = app.get(StoredObjects);
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let promoted!: () => void;
    const isPromoted = new Promise<void>((resolve) => (promoted = resolve));

    // Upload B: its first reference to the bytes is counted and promoted, not yet committed.
    const uploadB = prisma.$transaction(
      async (tx) => {
        await objects.reference(tx, key, bytes.length);
        await storage.promote(await storage.stage(workspaceId, Readable.from([bytes])), key);
        promoted();
        await committed;
      },
      { timeout: 30_000 },
    );
    await isPromoted;
    // Upload A, whose commit failed after promoting the same bytes, cleans up meanwhile.
    const cleanupA = objects.removeIfUnused(key);
    await eventually(async () => {
      const waiting = await prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO stored_objects%'`;
      return (waiting[0]?.n ?? 0n) > 0n;
    });
    commit();
    await uploadB;
    await cleanupA;

    expect(await storage.exists(key)).toBe(true);
    const row = await prisma.storedObject.findUniqueOrThrow({
      where: { workspaceId_sha256: { workspaceId, sha256: key.sha256 } },
    });
    expect(row.refCount).toBe(1);
  });

  it('reports the store in readiness: the local folder is up', async () => {
    const res = await fetch(`${url}/health/ready`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: { database: { status: 'up' }, redis: { status: 'up' }, storage: { status: 'up' } },
    });
  });

  it('replays an upload repeated with its Idempotency-Key, and refuses the key for other bytes or another name (422)', async () => {
    const { workspaceId, attachments, people } = await arrange();
    const auth = people.member.authorization;
    const bytes = randomBytes(64 * 1024);
    const body = (filename: string, content: Buffer) =>
      multipart([{ name: 'file', filename, type: 'application/octet-stream', body: content }]);
    const key = { 'idempotency-key': `upload-${newId()}` };

    const first = await upload(attachments, auth, body('report.bin', bytes), undefined, key);
    const repeated = await upload(attachments, auth, body('report.bin', bytes), undefined, key);

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(repeated.status).toBe(201);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
    expect(repeated.body).toEqual(first.body);
    expect(repeated.headers.get('location')).toBe(first.headers.get('location'));
    expect(await rowsOf(workspaceId)).toBe(1);

    const otherBytes = await upload(attachments, auth, body('report.bin', randomBytes(64 * 1024)), undefined, key);
    const otherName = await upload(attachments, auth, body('other.bin', bytes), undefined, key);
    for (const refused of [otherBytes, otherName]) {
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([
        { field: 'Idempotency-Key', message: 'already used with a different request; use a new key' },
      ]);
    }
    const tooLarge = await upload(attachments, auth, body('report.bin', randomBytes(MAX_BYTES + 1)), undefined, key);
    expect(tooLarge.status).toBe(413);
    expect(await rowsOf(workspaceId)).toBe(1);
    expect(await filesOf(workspaceId)).toEqual([`${workspaceId}/${sha256(bytes)}`]);

    // Without a key, the same upload is a new attachment.
    expect((await upload(attachments, auth, body('report.bin', bytes))).status).toBe(201);
    expect(await rowsOf(workspaceId)).toBe(2);
  });

  it('hides a deleted task’s attachments (404) and brings them back with the task', async () => {
    const { base, taskId, attachments, people } = await arrange();
    const created = await upload(
      attachments,
      people.member.authorization,
      multipart([{ name: 'file', filename: 'keep.txt', type: 'text/plain', body: 'kept' }]),
    );
    const content = `${attachments}/${String(created.body.id)}/content`;
    const owner = people.owner.authorization;

    const deleted = await fetch(`${url}${base}/tasks/${taskId}`, {
      method: 'DELETE',
      headers: { authorization: owner, 'if-match': '"1"' },
    });
    expect(deleted.status).toBe(204);
    expect((await json('GET', attachments, owner)).status).toBe(404);
    expect((await download(content, owner)).status).toBe(404);
    const again = await upload(
      attachments,
      owner,
      multipart([{ name: 'file', filename: 'x', type: 'text/plain', body: 'x' }]),
    );
    expect(again.status).toBe(404);

    expect((await json('POST', `${base}/tasks/${taskId}/restore`, owner)).status).toBe(200);
    const back = await download(content, owner);
    expect([back.status, back.bytes.toString()]).toEqual([200, 'kept']);
  });

  it('releases references and quota when a project’s deletion cascades to its tasks’ attachments', async () => {
    const { workspaceId, base, taskId, attachments, people } = await arrange();
    const owner = people.owner.authorization;
    await upload(
      attachments,
      owner,
      multipart([{ name: 'file', filename: 'a.txt', type: 'text/plain', body: 'cascade' }]),
    );
    const projectId = String((await json('GET', `${base}/tasks/${taskId}`, owner)).body.projectId);
    const taskGone = await fetch(`${url}${base}/tasks/${taskId}`, {
      method: 'DELETE',
      headers: { authorization: owner, 'if-match': '"1"' },
    });
    expect(taskGone.status).toBe(204);
    const projectGone = await fetch(`${url}${base}/projects/${projectId}`, {
      method: 'DELETE',
      headers: { authorization: owner, 'if-match': '"1"' },
    });
    expect(projectGone.status).toBe(204);

    expect(await rowsOf(workspaceId)).toBe(0);
    const usage = await prisma.workspaceStorageUsage.findUniqueOrThrow({ where: { workspaceId } });
    expect(Number(usage.usedBytes)).toBe(0);
    expect(await app.get(StoredObjects).collectUnused(workspaceId)).toBe(1);
    expect(await filesOf(workspaceId)).toEqual([]);
  });

  it('refuses uploads with 403 feature-disabled while the attachments flag is off; reads keep working', async () => {
    const { workspaceId, attachments, people } = await arrange();
    const auth = people.member.authorization;
    const file = (name: string) => multipart([{ name: 'file', filename: name, type: 'text/plain', body: name }]);
    const before = await upload(attachments, auth, file('before.txt'));
    const flags = app.get(FlagsAdminService);

    await flags.put('attachments', { enabled: false }, people.owner.id);
    try {
      const refused = await upload(attachments, auth, file('during.txt'));
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        type: 'https://groundwork.dev/problems/feature-disabled',
        flag: 'attachments',
      });
      const content = await download(`${attachments}/${String(before.body.id)}/content`, people.viewer.authorization);
      expect([content.status, content.bytes.toString()]).toEqual([200, 'before.txt']);
      expect((await json('GET', attachments, people.viewer.authorization)).body.data).toHaveLength(1);
      expect(await rowsOf(workspaceId)).toBe(1);
    } finally {
      await flags.delete('attachments', people.owner.id);
    }
    expect((await upload(attachments, auth, file('after.txt'))).status).toBe(201);
  });

  it('removes a deleted workspace’s objects (rows went with the workspace)', async () => {
    const { workspaceId, base, attachments, people } = await arrange();
    await upload(
      attachments,
      people.member.authorization,
      multipart([{ name: 'file', filename: 'a.txt', type: 'text/plain', body: 'gone soon' }]),
    );
    expect(await filesOf(workspaceId)).toHaveLength(1);

    expect((await json('DELETE', base, people.owner.authorization)).status).toBe(204);
    expect(await prisma.storedObject.count({ where: { workspaceId } })).toBe(0);
    await app.get(StoredObjects).removeWorkspace(workspaceId);
    expect(await filesOf(workspaceId)).toEqual([]);
  });
});

describe('attachments over HTTP when the store is away', () => {
  const prefix = `gwtest_files_down_${process.pid}_${Date.now()}`;
  let app: INestApplication;
  let url: string;
  let prisma: PrismaService;
  let workspaceId: string;

  beforeAll(async () => {
    const config = loadAppConfig('api', {
      ...process.env,
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      // An S3 store nobody answers for: every request is refused.
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'x',
      S3_SECRET_ACCESS_KEY: 'y',
    });
    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);
  });

  afterAll(async () => {
    await prisma.workspace.deleteMany({ where: { id: workspaceId } });
    await app.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
  });

  it('answers an upload with 503 and Retry-After, and commits nothing', async () => {
    const userId = newId();
    await prisma.user.create({
      data: { id: userId, email: `down-${userId}@files.test`, name: 'D', emailVerifiedAt: new Date() },
    });
    const session = await app.get(SessionsService).open(userId, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    const authorization = `Bearer ${session.tokens.accessToken}`;
    workspaceId = newId();
    await prisma.workspace.create({
      data: {
        id: workspaceId,
        name: 'Down',
        slug: `down-${workspaceId}`,
        memberships: { create: [{ userId, role: 'owner' }] },
      },
    });
    const base = `${url}/v1/workspaces/${workspaceId}`;
    const post = (pathname: string, body: unknown) =>
      fetch(`${base}${pathname}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: string }>);
    const project = await post('/projects', { name: 'P', key: 'PRJ' });
    const task = await post('/tasks', { projectId: project.id, title: 'T' });

    const res = await fetch(`${base}/tasks/${task.id}/attachments`, {
      method: 'POST',
      headers: { authorization, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: multipart([{ name: 'file', filename: 'a.txt', type: 'text/plain', body: 'hello' }]),
    });

    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ type: 'https://groundwork.dev/problems/unavailable', status: 503 });
    expect(await prisma.attachment.count({ where: { workspaceId } })).toBe(0);
    expect(await prisma.outboxEvent.count({ where: { workspaceId, type: 'attachment.added' } })).toBe(0);
  });

  it('reports the store as down in readiness, which degrades the api but keeps it ready (200)', async () => {
    const res = await fetch(`${url}/health/ready`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'degraded',
      checks: { database: { status: 'up' }, redis: { status: 'up' }, storage: { status: 'down' } },
    });
  });
});
