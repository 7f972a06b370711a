import { createHash, createHmac, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import type pg from 'pg';
import type { AppProcess } from '../support/app-process.js';
import type { SmtpTestServer } from '../support/smtp-test-server.js';
import { type Stack, startStack } from '../support/stack.js';

/**
 * What the auth e2e files share: an api (and, when a flow needs mail, a worker and an SMTP
 * server) on a database and Redis prefix of their own, ES256 keys the test knows, and plain
 * HTTP helpers. The api trusts X-Forwarded-For from loopback (TRUST_PROXY=loopback), so every
 * test can speak from a client address of its own: the per-IP limits of the auth routes
 * (AUTH_REQUESTS_PER_MINUTE, LOGIN_ATTEMPT_LIMITS) then never couple one test to another.
 */

export { REDIS_URL } from '../support/stack.js';
export const PUBLIC_API_URL = 'http://api.groundwork.test';
export const WEB_URL = 'http://web.test';
export const AUDIENCE = 'groundwork-api';
export const PASSWORD = 'a perfectly fine passphrase';
export const PROBLEM = /^application\/problem\+json/;
export const RESET_LINK = /http:\/\/web\.test\/reset-password\?token=([A-Za-z0-9_%-]+)/;

/** An EC P-256 key pair the test holds, with its RFC 7638 thumbprint (how the api names keys). */
export interface TestKey {
  privateKey: KeyObject;
  privatePem: string;
  publicPem: string;
  kid: string;
}

export function newTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url');
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    kid,
  };
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A JWT signed with HMAC-SHA256 under `secret`, built by hand (no library refuses anything). */
export function hs256Token(header: object, payload: object, secret: string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A unique client address per call: the per-IP limits of one test never touch another's. */
let ipCounter = 0;
export function newClientIp(): string {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
}

export function newEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: Record<string, unknown> | undefined;
  contentType: string;
  elapsedMs: number;
}

export interface RequestOptions {
  /** JSON-encoded unless `rawBody` is given. */
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** The client address the api sees (X-Forwarded-For). */
  ip?: string;
  bearer?: string;
  cookie?: string;
}

export interface AuthEnvironment {
  api: AppProcess;
  worker?: AppProcess;
  smtp?: SmtpTestServer;
  db: pg.Pool;
  keys: TestKey[];
  /** The REDIS_KEY_PREFIX the apps run with (BullMQ queues live under `<prefix>:bull`). */
  redisKeyPrefix: string;
  /** A BullMQ handle on one of the apps' queues, closed with the environment. */
  queue: Stack['queue'];
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  stop(): Promise<void>;
}

export interface StartAuthOptions {
  /** A label for the database and the Redis prefix. */
  label: string;
  /** Signing keys in JWT_SIGNING_KEYS order (the first signs); one fresh key by default. */
  keys?: TestKey[];
  /** Also start a worker and an SMTP server (flows whose token is only in a mail). */
  mail?: boolean;
  /** More variables for both apps (they win over the defaults above). */
  env?: Record<string, string>;
  /** How long each app may take to become ready (default: AppProcess's). */
  startTimeoutMs?: number;
}

export async function startAuthEnvironment(options: StartAuthOptions): Promise<AuthEnvironment> {
  const keys = options.keys ?? [newTestKey()];
  const stack = await startStack({
    label: options.label,
    apis: 1,
    workers: options.mail ? 1 : 0,
    mail: options.mail ? 'smtp' : undefined,
    startTimeoutMs: options.startTimeoutMs,
    env: {
      PUBLIC_API_URL,
      APP_WEB_URL: WEB_URL,
      JWT_SIGNING_KEYS: keys.map((key) => key.privatePem).join('\n'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TRUST_PROXY: 'loopback',
      LOG_LEVEL: 'warn',
      JOB_BACKOFF_MS: '100',
      ...options.env,
    },
  });
  const started = stack.api;

  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { 'x-forwarded-for': opts.ip ?? newClientIp(), ...opts.headers };
    if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
    if (opts.cookie !== undefined) headers.cookie = opts.cookie;
    let body: string | undefined = opts.rawBody;
    if (body === undefined && opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const began = performance.now();
    const res = await fetch(`${started.url}${path}`, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = text === '' ? undefined : JSON.parse(text);
      json = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    return {
      status: res.status,
      headers: res.headers,
      text,
      json,
      contentType: res.headers.get('content-type') ?? '',
      elapsedMs: performance.now() - began,
    };
  };

  return {
    api: started,
    worker: stack.workers[0],
    smtp: options.mail ? stack.smtp : undefined,
    db: stack.db,
    keys,
    redisKeyPrefix: stack.redisKeyPrefix,
    queue: stack.queue,
    request,
    stop: stack.stop,
  };
}

/** A 401 as the conventions of docs/http-api.md want it: problem+json, WWW-Authenticate, never a 5xx. */
export function expectUnauthenticated(answer: Answer): void {
  expect({ status: answer.status, contentType: answer.contentType }).toEqual({
    status: 401,
    contentType: expect.stringMatching(PROBLEM),
  });
  expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  expect(answer.json).toMatchObject({ status: 401, type: expect.any(String), title: expect.any(String) });
}

export function expectProblem(answer: Answer, status: number): void {
  expect({ status: answer.status, contentType: answer.contentType }).toEqual({
    status,
    contentType: expect.stringMatching(PROBLEM),
  });
  expect(answer.json).toMatchObject({ status });
}

/** A problem document without the members that legitimately differ from request to request. */
export function comparable(answer: Answer): unknown {
  if (!answer.json) return answer.text;
  const { requestId: _requestId, instance: _instance, ...rest } = answer.json;
  return rest;
}

/** Polls until `probe` answers 401 or the deadline passes; returns the last answer. */
export async function untilUnauthenticated(probe: () => Promise<Answer>, timeoutMs = 5_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (last.status !== 401 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

/** Registers an account and marks its email verified in the database (the mail is another test's concern). */
export async function registerVerified(
  env: AuthEnvironment,
  label: string,
  options: { verified?: boolean; name?: string; password?: string } = {},
): Promise<{ email: string; password: string; id: string }> {
  const email = newEmail(label);
  const password = options.password ?? PASSWORD;
  const registered = await env.request('POST', '/v1/auth/register', {
    body: { email, password, name: options.name ?? 'Ada Lovelace' },
  });
  expect(registered.status).toBe(201);
  const { rows } = await env.db.query<{ id: string }>(
    options.verified === false
      ? 'SELECT id FROM users WHERE email = $1'
      : 'UPDATE users SET email_verified_at = now() WHERE email = $1 RETURNING id',
    [email],
  );
  if (!rows[0]) throw new Error(`no user row for ${email}`);
  return { email, password, id: rows[0].id };
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

export async function loginBearer(
  env: AuthEnvironment,
  email: string,
  password = PASSWORD,
  ip?: string,
): Promise<TokenPair> {
  const answer = await env.request('POST', '/v1/auth/login', { body: { email, password }, ip });
  expect(answer.status).toBe(200);
  return answer.json as unknown as TokenPair;
}

/** The `gw_session` cookie a login answer sets, with its attributes. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string | true>;
}

export function sessionCookieOf(answer: Answer, name = 'gw_session'): SetCookie | undefined {
  for (const header of answer.headers.getSetCookie()) {
    const [pair = '', ...rest] = header.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq) !== name) continue;
    const attributes = new Map<string, string | true>();
    for (const attribute of rest) {
      const at = attribute.indexOf('=');
      if (at === -1) attributes.set(attribute.toLowerCase(), true);
      else attributes.set(attribute.slice(0, at).toLowerCase(), attribute.slice(at + 1));
    }
    return { name, value: pair.slice(eq + 1), attributes };
  }
  return undefined;
}

export async function loginCookie(
  env: AuthEnvironment,
  email: string,
  options: { password?: string; ip?: string; cookie?: string } = {},
): Promise<{ cookie: string; csrfToken: string; answer: Answer }> {
  const answer = await env.request('POST', '/v1/auth/login?session=cookie', {
    body: { email, password: options.password ?? PASSWORD },
    ip: options.ip,
    cookie: options.cookie,
  });
  expect(answer.status).toBe(200);
  const set = sessionCookieOf(answer);
  if (!set) throw new Error(`no gw_session cookie in ${JSON.stringify(answer.headers.getSetCookie())}`);
  return { cookie: `gw_session=${set.value}`, csrfToken: String(answer.json?.csrfToken), answer };
}

/**
 * Asks for a password reset (POST /v1/auth/password/forgot) and returns the token of the mail
 * it causes, as a client following the link would read it.
 */
export async function forgotAndReadResetToken(
  env: AuthEnvironment,
  email: string,
  timeoutMs = 20_000,
): Promise<{ forgot: Answer; token: string; link: string }> {
  const smtp = env.smtp;
  if (!smtp) throw new Error('this environment has no SMTP server (start it with mail: true)');
  const resetMails = () => smtp.messagesTo(email).filter((mail) => RESET_LINK.test(mail.text));
  const before = resetMails().length;
  const forgot = await env.request('POST', '/v1/auth/password/forgot', { body: { email } });
  expect(forgot.status).toBe(202);
  await smtp.waitFor(() => resetMails().length > before, timeoutMs, `a password reset mail to ${email}`);
  const match = RESET_LINK.exec(resetMails().at(-1)!.text);
  return { forgot, token: decodeURIComponent(match?.[1] ?? ''), link: match?.[0] ?? '' };
}
