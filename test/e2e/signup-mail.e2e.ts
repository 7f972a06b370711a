import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { eventJobId } from '@groundwork/platform';
import type { AppProcess } from '../support/app-process.js';
import type { ReceivedMail, SmtpTestServer } from '../support/smtp-test-server.js';
import { REDIS_URL, type Stack, startStack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { jsonLogLines } from './http-client.js';

const run = promisify(execFile);

const WEB_URL = 'http://web.test';
const PASSWORD = 'a perfectly fine passphrase';
const PROBLEM = /^application\/problem\+json/;
const VERIFY_LINK = /http:\/\/web\.test\/verify-email\?token=([A-Za-z0-9_-]+)/;
/** The same link in an HTML attribute, where Handlebars writes `=` as `&#x3D;`. */
const VERIFY_HREF = /href="http:\/\/web\.test\/verify-email\?token(?:=|&#x3D;)([A-Za-z0-9_-]+)"/;

interface Answer {
  status: number;
  contentType: string;
  text: string;
  elapsedMs: number;
}

/** A fresh address per test, so tests never see each other's mail. */
function newEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

/**
 * Sign-up as deployed: the built api and worker processes, real PostgreSQL and Redis, and a real
 * SMTP server inside the test. This file has its own database: a worker relays every unrelayed
 * outbox row it can see, so sharing the run's database would let other files' workers mail
 * this file's users to their own SMTP servers (and the other way round).
 */
describe('sign-up mail (api, worker, SMTP)', () => {
  let stack: Stack;
  let db: pg.Pool;
  let redis: Redis;
  let queue: Queue;
  let smtp: SmtpTestServer;
  let api: AppProcess;
  let worker: AppProcess;

  beforeAll(async () => {
    stack = await startStack({
      label: 'signup',
      apis: 1,
      workers: 1,
      mail: 'smtp',
      env: { APP_WEB_URL: WEB_URL, JOB_BACKOFF_MS: '100' },
    });
    ({ db, api, worker, smtp } = stack);
    queue = stack.queue('email');
    redis = new Redis(REDIS_URL);
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const started = performance.now();
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      text,
      elapsedMs: performance.now() - started,
    };
  }

  function register(email: string, headers: Record<string, string> = {}, name = 'Ada Lovelace'): Promise<Answer> {
    return post('/v1/auth/register', { email, password: PASSWORD, name }, headers);
  }

  function verify(token: string): Promise<Answer> {
    return post('/v1/auth/verify-email', { token });
  }

  /** The email job of the last event of `type` for the account with this (stored) address. */
  async function emailJobId(email: string, type: 'user.registered' | 'user.registration_repeated'): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `SELECT e.id FROM outbox_events e JOIN users u ON u.id::text = e.data->>'userId'
       WHERE u.email = $1 AND e.type = $2 ORDER BY e.seq DESC LIMIT 1`,
      [email, type],
    );
    if (!rows[0]) throw new Error(`no ${type} event for ${email}`);
    return eventJobId('email', rows[0].id);
  }

  /** Resolves once the job has reached a final state (no later attempt can send anything). */
  async function settled(jobId: string, state: 'completed' | 'failed', timeoutMs = 15_000): Promise<void> {
    await eventually(async () => (await queue.getJobState(jobId)) === state, timeoutMs, 50);
  }

  function tokenOf(mail: ReceivedMail): string {
    const match = VERIFY_LINK.exec(mail.text);
    if (!match?.[1]) throw new Error(`no verification link in the text part:\n${mail.text}`);
    return match[1];
  }

  it('a new email gets 201 pending_verification and exactly one verification mail whose link verifies the address once', async () => {
    const email = newEmail('ada');

    const answer = await register(email);

    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text)).toEqual({ status: 'pending_verification' });
    const [mail] = await smtp.waitForMessagesTo(email, 1, 15_000);
    await settled(await emailJobId(email, 'user.registered'), 'completed');
    expect(smtp.messagesTo(email)).toHaveLength(1);
    expect(mail!.to).toEqual([email]);
    expect(mail!.headerTo).toEqual([email]);
    expect(mail!.subject).toBe('Confirm your email address');
    expect({ name: mail!.fromName, address: mail!.from }).toEqual({
      name: 'Groundwork',
      address: 'no-reply@groundwork.local',
    });
    expect(mail!.envelopeFrom).toBe('no-reply@groundwork.local');
    expect(mail!.messageId).toMatch(/^<[0-9a-f]{40}@groundwork\.local>$/);
    expect(mail!.raw).toMatch(/multipart\/alternative/i);
    expect(mail!.text).toContain('Hello Ada Lovelace,');
    const token = tokenOf(mail!);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(mail!.html).not.toBe(false);
    const href = VERIFY_HREF.exec(mail!.html || '');
    expect(href?.[1]).toBe(token);

    const verified = await verify(token);
    expect(verified.status).toBe(204);
    expect(verified.text).toBe('');
    const { rows } = await db.query<{ verified: boolean }>(
      'SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE email = $1',
      [email],
    );
    expect(rows).toEqual([{ verified: true }]);

    const again = await verify(token);
    expect(again.status).toBe(400);
    expect(again.contentType).toMatch(PROBLEM);
    expect(JSON.parse(again.text)).toMatchObject({ status: 400 });

    const madeUp = await verify(randomBytes(32).toString('base64url'));
    expect(madeUp.status).toBe(400);
    expect(madeUp.contentType).toMatch(PROBLEM);
    expect(JSON.parse(madeUp.text)).toMatchObject({
      status: 400,
      type: (JSON.parse(again.text) as { type: string }).type,
    });
  }, 40_000);

  it('the verification token is readable neither in PostgreSQL nor in Redis (job data included) once the mail is sent', async () => {
    const email = newEmail('secret');

    expect((await register(email)).status).toBe(201);
    const [mail] = await smtp.waitForMessagesTo(email, 1, 15_000);
    const jobId = await emailJobId(email, 'user.registered');
    await settled(jobId, 'completed');
    const token = tokenOf(mail!);

    const database = await databaseDump(db);
    const keyValues = await redisDump(redis, `${stack.redisKeyPrefix}:*`);

    // The dumps really hold this sign-up: the user's row, the token's row (its hash), the job's data.
    expect(database.some((row) => row.includes(email))).toBe(true);
    const tokenHash = createHash('sha256').update(token).digest('hex');
    expect(database.filter((row) => row.includes(tokenHash))).toEqual([
      expect.stringMatching(/^email_verification_tokens /),
    ]);
    expect(keyValues.some(([key, value]) => key.endsWith(`:email:${jobId}`) && value.includes('user.registered'))).toBe(
      true,
    );
    expect(database.filter((row) => row.includes(token))).toEqual([]);
    expect(keyValues.filter(([, value]) => value.includes(token))).toEqual([]);
    // Nor in the logs of either process.
    expect(api.logs).not.toContain(token);
    expect(worker.logs).not.toContain(token);
  }, 40_000);

  it('registering an existing email (its domain in another case) answers identically and sends the account-exists notice instead of a verification mail', async () => {
    const local = `Ada-${randomBytes(4).toString('hex')}`;
    const stored = `${local}@example.com`;

    const first = await register(stored);
    await smtp.waitForMessagesTo(stored, 1, 15_000);
    const repeated = await register(`${local}@EXAMPLE.com`, {}, 'Someone Else');

    expect(repeated.status).toBe(first.status);
    expect(repeated.text).toBe(first.text);
    expect(repeated.contentType).toBe(first.contentType);
    const mails = await smtp.waitForMessagesTo(stored, 2, 15_000);
    await settled(await emailJobId(stored, 'user.registration_repeated'), 'completed');
    expect(smtp.messagesTo(stored)).toHaveLength(2);
    const notice = mails[1]!;
    expect(notice.to).toEqual([stored]);
    expect(notice.subject).toBe('You already have a Groundwork account');
    expect(notice.text).toContain('Hello Ada Lovelace,');
    expect(notice.text).toContain(`${WEB_URL}/login`);
    expect(notice.text).not.toContain('verify-email');
    expect(notice.html || '').not.toContain('verify-email');
    expect(notice.messageId).not.toBe(mails[0]!.messageId);
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)',
      [stored],
    );
    expect(rows[0]!.n).toBe(1);
  }, 40_000);

  it('does not reveal whether an email is registered: new and existing emails get the same status, content type and body', async () => {
    const existing = newEmail('known');
    expect((await register(existing)).status).toBe(201);

    const answers = await Promise.all([
      register(newEmail('unknown')),
      register(existing),
      register(existing.replace('example.test', 'Example.TEST')),
    ]);

    const seen = answers.map(({ status, contentType, text }) => ({ status, contentType, text }));
    expect(seen).toEqual([seen[0], seen[0], seen[0]]);
    expect(seen[0]).toEqual({
      status: 201,
      contentType: expect.stringMatching(/^application\/json/),
      text: JSON.stringify({ status: 'pending_verification' }),
    });
  }, 40_000);

  // 1,000,000 characters fit the 1 MiB body limit and reach validation (422); 1 MiB does not (413).
  it.each([
    ['password (10^6 characters)', (email: string) => ({ email, password: 'p'.repeat(1_000_000), name: 'Big' })],
    ['password (2^20 characters)', (email: string) => ({ email, password: 'p'.repeat(1_048_576), name: 'Big' })],
    ['email', () => ({ email: `${'e'.repeat(1_000_000)}@example.test`, password: PASSWORD, name: 'Big' })],
  ])('a 1 MB %s is refused with a 413 or 422 problem, quickly, and creates nothing', async (_field, body) => {
    const email = newEmail('big');
    const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events');

    const answer = await post('/v1/auth/register', body(email));

    expect([413, 422]).toContain(answer.status);
    expect(answer.contentType).toMatch(PROBLEM);
    expect(JSON.parse(answer.text)).toMatchObject({ status: answer.status });
    // Refused before the argon2id hash and the transaction: nothing else ran for it.
    expect(answer.elapsedMs).toBeLessThan(2000);
    const users = await db.query('SELECT 1 FROM users WHERE email = $1 OR length(email) > 254', [email]);
    expect(users.rowCount).toBe(0);
    const after = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('a 451 to the first attempt is retried: the mail arrives exactly once, at the second attempt', async () => {
    const email = newEmail('greylisted');
    smtp.refuseFirstAttempt(email, { stage: 'data', code: 451 });

    expect((await register(email)).status).toBe(201);

    await smtp.waitForMessagesTo(email, 1, 15_000);
    await settled(await emailJobId(email, 'user.registered'), 'completed');
    expect(smtp.attempts(email)).toBe(2);
    expect(smtp.refusals.filter((r) => r.recipient === email)).toMatchObject([{ code: 451, attempt: 1 }]);
    expect(smtp.messagesTo(email)).toHaveLength(1);
  }, 40_000);

  it('a 550 fails the job for good without retries; the jobs CLI lists it with the 550 and retry re-sends it', async () => {
    const email = newEmail('unknown-mailbox');
    smtp.refuseAlways(email, { stage: 'rcpt', code: 550, message: 'No such mailbox here' });

    expect((await register(email)).status).toBe(201);

    await smtp.waitForAttempts(email, 1, 15_000);
    const jobId = await emailJobId(email, 'user.registered');
    await settled(jobId, 'failed');
    // With a 100 ms backoff a retried job would have come back many times within 2 s.
    await expect(smtp.waitForAttempts(email, 2, 2000)).rejects.toThrow(/not met within 2000 ms/);
    expect(smtp.attempts(email)).toBe(1);
    expect(smtp.messagesTo(email)).toEqual([]);
    const deadLetterLog = jsonLogLines(worker.logs).find(
      (line) => line.jobId === jobId && String(line.msg).includes('failed for good'),
    );
    expect(deadLetterLog).toBeDefined();

    const cliEnv = {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: stack.redisKeyPrefix,
      NODE_ENV: 'test',
    };
    const failed = await run(process.execPath, ['dist/worker/cli/jobs.js', 'failed', 'email'], {
      env: cliEnv,
      timeout: 15_000,
    });
    const listed = failed.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { id: string; failedReason: string; attemptsMade: number });
    expect(listed).toEqual([expect.objectContaining({ id: jobId, attemptsMade: 1 })]);
    expect(listed[0]!.failedReason).toMatch(/550/);

    smtp.accept(email);
    const retried = await run(process.execPath, ['dist/worker/cli/jobs.js', 'retry', 'email'], {
      env: cliEnv,
      timeout: 15_000,
    });
    expect(retried.stderr).toContain('retried 1 job(s) in email');

    const [mail] = await smtp.waitForMessagesTo(email, 1, 15_000);
    await settled(jobId, 'completed');
    expect(mail!.subject).toBe('Confirm your email address');
    expect(smtp.attempts(email)).toBe(2);
    expect(smtp.messagesTo(email)).toHaveLength(1);
  }, 60_000);

  /** The worker's log lines about one job: written inside it (`job.id`) or about it (`jobId`). */
  function workerLogLinesOf(jobId: string): Record<string, unknown>[] {
    return jsonLogLines(worker.logs).filter((line) => {
      const job = line.job as { id?: unknown } | undefined;
      return job?.id === jobId || line.jobId === jobId;
    });
  }

  it("the lines a mail job logs while it runs carry the registration request's id and the job", async () => {
    const email = newEmail('traced');

    const answer = await register(email, { 'X-Request-Id': 'signup-req-1' });
    expect(answer.status).toBe(201);
    await smtp.waitForMessagesTo(email, 1, 15_000);
    const jobId = await emailJobId(email, 'user.registered');
    await settled(jobId, 'completed');
    await worker.waitForOutput(() => workerLogLinesOf(jobId).some((line) => line.msg === 'mail sent'));

    const lines = jsonLogLines(worker.logs).filter(
      (line) => line.requestId === 'signup-req-1' && line.job !== undefined,
    );
    expect(lines.map((line) => line.msg)).toContain('mail sent');
    expect(lines.map((line) => line.job)).toEqual(
      lines.map(() => ({ queue: 'email', id: jobId, name: 'user.registered' })),
    );
    const ofJob = workerLogLinesOf(jobId);
    expect(ofJob.length).toBeGreaterThan(0);
    expect(ofJob.filter((line) => line.requestId !== 'signup-req-1')).toEqual([]);
  }, 40_000);

  it("a mail job's failed-attempt log line carries the registration request's id too", async () => {
    const email = newEmail('traced-retry');
    smtp.refuseFirstAttempt(email, { stage: 'data', code: 451 });

    const answer = await register(email, { 'X-Request-Id': 'signup-req-2' });
    expect(answer.status).toBe(201);
    await smtp.waitForMessagesTo(email, 1, 15_000);
    const jobId = await emailJobId(email, 'user.registered');
    await settled(jobId, 'completed');
    await worker.waitForOutput(() => workerLogLinesOf(jobId).some((line) => line.msg === 'mail sent'));

    const ofJob = workerLogLinesOf(jobId);
    expect(ofJob.map((line) => line.msg)).toEqual(expect.arrayContaining(['job failed; will retry', 'mail sent']));
    expect(ofJob.filter((line) => line.requestId !== 'signup-req-2')).toEqual([]);
  }, 40_000);
});

/** Every row of every table of the public schema, as JSON text. */
async function databaseDump(db: pg.Pool): Promise<string[]> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const rows: string[] = [];
  for (const { name } of tables) {
    const result = await db.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM public.${pg.escapeIdentifier(name)} t`,
    );
    rows.push(...result.rows.map((r) => `${name} ${r.row}`));
  }
  return rows;
}

/** Every key matching `pattern` with its value, whatever its type, as text. */
async function redisDump(redis: Redis, pattern: string): Promise<[string, string][]> {
  const entries: [string, string][] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) entries.push([key, await redisValue(redis, key)]);
  } while (cursor !== '0');
  return entries;
}

async function redisValue(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    case 'none':
      return '';
    default:
      throw new Error(`cannot read ${key}: unexpected Redis type ${type}`);
  }
}
