import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { eventually } from '../support/wait.js';
import { type ReceivedWebhook, WebhookReceiver } from '../support/webhook-receiver.js';
import {
  type Answer,
  type AuthEnvironment,
  expectProblem,
  loginBearer,
  registerVerified,
  type RequestOptions,
  startAuthEnvironment,
} from './auth-harness.js';

interface Person {
  id: string;
  email: string;
  token: string;
}

type Json = Record<string, unknown>;

const DISABLE_AFTER = 2;

/**
 * Webhooks as deployed: the built api and worker, real receivers on 127.0.0.1 (private
 * networks allowed, as in local development), retries on a short schedule (200 ms, 400 ms:
 * three attempts), an SMTP server for the "endpoint disabled" mail. Each test works in a
 * workspace of its own, so one test's events never reach another's receivers.
 */
describe('webhooks: signed deliveries with retries, over HTTP', () => {
  let env: AuthEnvironment;
  let owner: Person;
  let admin: Person;
  let member: Person;
  const receivers: WebhookReceiver[] = [];

  const as = (person: Person, method: string, path: string, options: RequestOptions = {}): Promise<Answer> =>
    env.request(method, path, { ...options, bearer: person.token });
  const body = (answer: Answer): Json => answer.json ?? {};

  async function person(label: string, name: string): Promise<Person> {
    const user = await registerVerified(env, label, { name });
    const { accessToken } = await loginBearer(env, user.email);
    return { id: user.id, email: user.email, token: accessToken };
  }

  /** A workspace owned by `owner`, with `admin` and `member` in it. */
  async function newWorkspace(name: string): Promise<string> {
    const slug = `${name}-${Math.random().toString(36).slice(2, 8)}`;
    const answer = await as(owner, 'POST', '/v1/workspaces', { body: { name, slug } });
    expect(answer.status).toBe(201);
    const workspaceId = String(body(answer).id);
    await env.db.query(
      `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'admin', now()), ($1, $3, 'member', now())`,
      [workspaceId, admin.id, member.id],
    );
    return workspaceId;
  }

  async function receiver(): Promise<WebhookReceiver> {
    const started = await WebhookReceiver.start();
    receivers.push(started);
    return started;
  }

  async function createWebhook(
    workspaceId: string,
    url: string,
    events: string[],
  ): Promise<{ id: string; secret: string }> {
    const answer = await as(admin, 'POST', `/v1/workspaces/${workspaceId}/webhooks`, { body: { url, events } });
    expect(answer.status).toBe(201);
    return { id: String(body(answer).id), secret: String(body(answer).secret) };
  }

  async function createProject(workspaceId: string, key: string): Promise<string> {
    const answer = await as(member, 'POST', `/v1/workspaces/${workspaceId}/projects`, { body: { name: key, key } });
    expect(answer.status).toBe(201);
    return String(body(answer).id);
  }

  /** The delivery as the api shows it, once `ready` holds for it. */
  async function deliveryOnceSettled(
    workspaceId: string,
    webhookId: string,
    ready: (delivery: Json) => boolean,
  ): Promise<Json> {
    return eventually(async () => {
      const list = await as(admin, 'GET', `/v1/workspaces/${workspaceId}/webhooks/${webhookId}/deliveries`);
      const [latest] = (body(list).data as Json[] | undefined) ?? [];
      if (!latest || !ready(latest)) return undefined;
      const detail = await as(
        admin,
        'GET',
        `/v1/workspaces/${workspaceId}/webhooks/${webhookId}/deliveries/${String(latest.id)}`,
      );
      return body(detail);
    }, 20_000);
  }

  function verified(secret: string, request: ReceivedWebhook): Json {
    const headers = {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    };
    return new Webhook(secret).verify(request.body, headers) as Json;
  }

  beforeAll(async () => {
    env = await startAuthEnvironment({
      label: 'webhooks',
      mail: true,
      env: {
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_RETRY_DELAYS: '200ms,400ms',
        WEBHOOK_DISABLE_AFTER: String(DISABLE_AFTER),
        WEBHOOK_TIMEOUT_MS: '1000',
      },
    });
    [owner, admin, member] = await Promise.all([
      person('owner', 'Olivia Owner'),
      person('admin', 'Ada Admin'),
      person('member', 'Mia Member'),
    ]);
  }, 120_000);

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((started) => started.close()));
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('retries a receiver that fails twice: three attempts, one webhook-id, valid signatures, one success recorded', async () => {
    const workspaceId = await newWorkspace('retries');
    const hooks = (await receiver()).willReply({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const webhook = await createWebhook(workspaceId, `${hooks.url}/groundwork`, ['task.created']);
    const projectId = await createProject(workspaceId, 'RET');

    const task = await as(member, 'POST', `/v1/workspaces/${workspaceId}/tasks`, {
      body: { projectId, title: 'Ship' },
    });
    expect(task.status).toBe(201);
    const attempts = await hooks.waitForRequests(3);

    // The reference verifier of the specification accepts every attempt.
    const payloads = attempts.map((attempt) => verified(webhook.secret, attempt));
    expect(new Set(attempts.map((attempt) => attempt.headers['webhook-id'])).size).toBe(1);
    expect(payloads[0]).toEqual({
      type: 'task.created',
      timestamp: expect.any(String),
      data: expect.objectContaining({ workspaceId, taskId: body(task).id, projectId }),
    });
    expect(attempts.every((attempt) => attempt.path === '/groundwork')).toBe(true);
    expect(attempts.every((attempt) => attempt.headers['content-type'] === 'application/json')).toBe(true);
    // The schedule's delays (200 ms, 400 ms, each −20 % at most) separate the attempts.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(150);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(300);

    const delivery = await deliveryOnceSettled(workspaceId, webhook.id, (row) => row.status !== 'pending');
    expect(delivery).toMatchObject({
      eventId: attempts[0]!.headers['webhook-id'],
      eventType: 'task.created',
      status: 'succeeded',
      attempts: 3,
      responseStatus: 204,
      error: null,
      nextAttemptAt: null,
    });
    expect((delivery.attemptLog as Json[]).map((attempt) => attempt.responseStatus)).toEqual([500, 503, 204]);
    const list = await as(admin, 'GET', `/v1/workspaces/${workspaceId}/webhooks/${webhook.id}/deliveries`);
    expect(body(list).data).toHaveLength(1);
    // project.created was not subscribed to: nothing but the task event arrived.
    expect(hooks.requests).toHaveLength(3);
  });

  it(`disables an endpoint after ${DISABLE_AFTER} deliveries failed for good and mails the owner and the admins`, async () => {
    const workspaceId = await newWorkspace('disabling');
    const down = (await receiver()).otherwise({ kind: 'status', status: 500 });
    const webhook = await createWebhook(workspaceId, down.url, ['project.created']);

    await createProject(workspaceId, 'ONE');
    await createProject(workspaceId, 'TWO');

    const subject = 'A webhook of disabling was disabled';
    const [toOwner, toAdmin] = await Promise.all([
      env.smtp!.waitForMessageTo(owner.email, subject, 20_000),
      env.smtp!.waitForMessageTo(admin.email, subject, 20_000),
    ]);
    expect(toOwner.text).toContain(down.url);
    expect(toAdmin.text).toContain(`failed ${DISABLE_AFTER} deliveries in a row`);
    expect(down.requests).toHaveLength(2 * 3);
    const disabled = await as(admin, 'GET', `/v1/workspaces/${workspaceId}/webhooks/${webhook.id}`);
    expect(body(disabled)).toMatchObject({ enabled: false, disabledAt: expect.any(String) });
    expect(env.smtp!.messagesTo(member.email).filter((mail) => mail.subject === subject)).toEqual([]);

    // A later event is not delivered to it: a second endpoint proves the event went out.
    const witness = await receiver();
    await createWebhook(workspaceId, witness.url, ['project.created']);
    await createProject(workspaceId, 'THREE');
    await witness.waitForRequests(1);
    expect(down.requests).toHaveLength(2 * 3);

    // Enabling it again starts afresh.
    const enabled = await as(admin, 'PATCH', `/v1/workspaces/${workspaceId}/webhooks/${webhook.id}`, {
      body: { enabled: true },
    });
    expect(body(enabled)).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null });
  });

  it('pings one endpoint only, and redelivers with the same webhook-id and a fresh signature', async () => {
    const workspaceId = await newWorkspace('ping');
    const [first, second] = [await receiver(), await receiver()];
    const pinged = await createWebhook(workspaceId, first.url, ['*']);
    const other = await createWebhook(workspaceId, second.url, ['*']);

    const ping = await as(admin, 'POST', `/v1/workspaces/${workspaceId}/webhooks/${pinged.id}/ping`);
    expect(ping.status).toBe(202);
    const [delivered] = await first.waitForRequests(1);
    expect(verified(pinged.secret, delivered!)).toMatchObject({ type: 'webhook.ping', data: { webhookId: pinged.id } });
    expect(delivered!.headers['webhook-id']).toBe(body(ping).eventId);

    const delivery = await deliveryOnceSettled(workspaceId, pinged.id, (row) => row.status === 'succeeded');
    const redeliver = await as(
      admin,
      'POST',
      `/v1/workspaces/${workspaceId}/webhooks/${pinged.id}/deliveries/${String(delivery.id)}/redeliver`,
    );
    expect(redeliver.status).toBe(202);
    const [, again] = await first.waitForRequests(2);
    expect(again!.headers['webhook-id']).toBe(delivered!.headers['webhook-id']);
    expect(verified(pinged.secret, again!)).toMatchObject({ type: 'webhook.ping' });
    const redelivered = await deliveryOnceSettled(workspaceId, pinged.id, (row) => row.attempts === 2);
    expect(redelivered).toMatchObject({ status: 'succeeded', attempts: 2 });

    const otherDeliveries = await as(admin, 'GET', `/v1/workspaces/${workspaceId}/webhooks/${other.id}/deliveries`);
    expect(body(otherDeliveries).data).toEqual([]);
    expect(second.requests).toEqual([]);
  });

  it('after a secret rotation signs with the old and the new secret, so either verifies', async () => {
    const workspaceId = await newWorkspace('rotation');
    const hooks = await receiver();
    const webhook = await createWebhook(workspaceId, hooks.url, ['project.created']);

    const rotated = await as(admin, 'POST', `/v1/workspaces/${workspaceId}/webhooks/${webhook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const newSecret = String(body(rotated).secret);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(webhook.secret);
    await createProject(workspaceId, 'ROT');

    const [request] = await hooks.waitForRequests(1);
    expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(newSecret, request!)).toMatchObject({ type: 'project.created' });
    expect(verified(webhook.secret, request!)).toMatchObject({ type: 'project.created' });
  });

  it('never delivers an event of one workspace to an endpoint of another', async () => {
    const [mine, theirs] = [await newWorkspace('mine'), await newWorkspace('theirs')];
    const [myHooks, theirHooks] = [await receiver(), await receiver()];
    const myWebhook = await createWebhook(mine, myHooks.url, ['*']);
    await createWebhook(theirs, theirHooks.url, ['*']);

    await createProject(theirs, 'THEIR');
    const [theirRequest] = await theirHooks.waitForRequests(1);
    await createProject(mine, 'MINE');
    const [myRequest] = await myHooks.waitForRequests(1);

    expect(JSON.parse(theirRequest!.body)).toMatchObject({ data: { workspaceId: theirs } });
    expect(JSON.parse(myRequest!.body)).toMatchObject({ data: { workspaceId: mine } });
    const deliveries = await as(admin, 'GET', `/v1/workspaces/${mine}/webhooks/${myWebhook.id}/deliveries`);
    expect((body(deliveries).data as Json[]).map((row) => row.eventId)).toEqual([myRequest!.headers['webhook-id']]);
  });

  it('lets a slow receiver cost at most the timeout, and stores a huge answer truncated', async () => {
    const workspaceId = await newWorkspace('slow');
    const hooks = (await receiver()).willReply(
      { kind: 'hang' },
      { kind: 'huge', status: 200, bytes: 10 * 1024 * 1024 },
    );
    const webhook = await createWebhook(workspaceId, hooks.url, ['project.created']);

    await createProject(workspaceId, 'SLOW');

    const delivery = await deliveryOnceSettled(workspaceId, webhook.id, (row) => row.status === 'succeeded');
    const [timedOut, answered] = delivery.attemptLog as Json[];
    expect(timedOut).toMatchObject({ responseStatus: null, error: expect.stringMatching(/timed out/i) });
    expect(Number(timedOut!.latencyMs)).toBeLessThan(3_000);
    expect(answered).toMatchObject({ responseStatus: 200, error: null });
    const { rows } = await env.db.query<{ length: number }>(
      `SELECT length(response_body) AS length FROM webhook_attempts WHERE delivery_id = $1 AND response_status = 200`,
      [delivery.id],
    );
    expect(rows[0]!.length).toBeLessThanOrEqual(2048);
  });

  it('refuses bad input with 422, non-admins with 403, and shows the secret only once', async () => {
    const workspaceId = await newWorkspace('input');
    const webhooks = `/v1/workspaces/${workspaceId}/webhooks`;
    for (const url of [
      'not a url',
      '/relative/path',
      'ftp://files.example.com/hook',
      'https://user:secret@hooks.example.com/',
      `https://hooks.example.com/${'a'.repeat(2048)}`,
    ]) {
      const answer = await as(admin, 'POST', webhooks, { body: { url, events: ['*'] } });
      expectProblem(answer, 422);
      expect(body(answer).errors).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    const unknownEvent = await as(admin, 'POST', webhooks, {
      body: { url: 'https://hooks.example.com/', events: ['task.created', 'user.registered'] },
    });
    expectProblem(unknownEvent, 422);
    expect(JSON.stringify(body(unknownEvent).errors)).toContain('user.registered');
    expectProblem(
      await as(member, 'POST', webhooks, { body: { url: 'https://hooks.example.com/', events: ['*'] } }),
      403,
    );
    expectProblem(await as(member, 'GET', webhooks), 403);

    const created = await as(admin, 'POST', webhooks, {
      body: { url: 'https://hooks.example.com/', events: ['task.created', 'task.created'], description: 'CI' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(new RegExp(`${webhooks}/${String(body(created).id)}$`));
    expect(body(created)).toMatchObject({
      events: ['task.created'],
      enabled: true,
      secret: expect.stringMatching(/^whsec_/),
    });
    const read = await as(admin, 'GET', `${webhooks}/${String(body(created).id)}`);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(String(body(created).secret));
    expect(body(read)).not.toHaveProperty('secret');
    const list = await as(admin, 'GET', webhooks);
    expect(list.text).not.toContain(String(body(created).secret));

    const patched = await as(admin, 'PATCH', `${webhooks}/${String(body(created).id)}`, {
      body: { description: null, events: ['*', 'task.created'] },
    });
    expect(body(patched)).toMatchObject({ description: null, events: ['*'] });
    expectProblem(await as(admin, 'PATCH', `${webhooks}/${String(body(created).id)}`, { body: { url: null } }), 422);

    const foreign = await newWorkspace('foreign');
    expectProblem(await as(admin, 'GET', `/v1/workspaces/${foreign}/webhooks/${String(body(created).id)}`), 404);
    expect((await as(admin, 'DELETE', `${webhooks}/${String(body(created).id)}`)).status).toBe(204);
    expectProblem(await as(admin, 'GET', `${webhooks}/${String(body(created).id)}`), 404);
  });
});
