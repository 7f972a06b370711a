import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AUTH_REQUESTS_PER_MINUTE, LOGIN_ATTEMPT_LIMITS } from '@groundwork/platform';
import {
  type Answer,
  type AuthEnvironment,
  comparable,
  expectProblem,
  newClientIp,
  newEmail,
  PASSWORD,
  PROBLEM,
  registerVerified,
  startAuthEnvironment,
} from './auth-harness.js';

/** Status, content type, WWW-Authenticate / Retry-After presence and body, minus requestId and instance. */
function shape(answer: Answer): unknown {
  return {
    status: answer.status,
    contentType: answer.contentType,
    wwwAuthenticate: answer.headers.get('www-authenticate'),
    body: comparable(answer),
  };
}

/**
 * Account enumeration and abuse of the anonymous auth routes: a registered and an unknown
 * email must be indistinguishable by status and body on register, login and password/forgot,
 * also once the failed-login limit kicks in; oversized, unknown and malformed input is
 * refused early and with the documented statuses. Timing is deliberately not asserted.
 */
describe('account enumeration and input abuse on the auth routes', () => {
  let env: AuthEnvironment;

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'enumeration' });
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
  });

  const post = (path: string, body: unknown, ip = newClientIp()) => env.request('POST', path, { body, ip });

  it('register: an existing and an unknown email get the same status and body', async () => {
    const existing = await registerVerified(env, 'known-register');

    const again = await post('/v1/auth/register', { email: existing.email, password: PASSWORD, name: 'Mallory' });
    const unknown = await post('/v1/auth/register', { email: newEmail('new'), password: PASSWORD, name: 'Mallory' });

    expect(again.status).toBe(201);
    expect(shape(again)).toEqual(shape(unknown));
    expect(again.text).toBe(unknown.text);
  });

  it('login with a wrong password: a registered (verified or not) and an unknown email get the same 401 and body', async () => {
    const verified = await registerVerified(env, 'known-login');
    const unverified = await registerVerified(env, 'unverified-login', { verified: false });

    const known = await post('/v1/auth/login', { email: verified.email, password: 'wrong password, sorry' });
    const pending = await post('/v1/auth/login', { email: unverified.email, password: 'wrong password, sorry' });
    const unknown = await post('/v1/auth/login', { email: newEmail('nobody'), password: 'wrong password, sorry' });
    const knownCookie = await env.request('POST', '/v1/auth/login?session=cookie', {
      body: { email: verified.email, password: 'wrong password, sorry' },
    });

    expect(known.status).toBe(401);
    expect(shape(known)).toEqual(shape(unknown));
    expect(shape(pending)).toEqual(shape(unknown));
    expect(shape(knownCookie)).toEqual(shape(unknown));
    expect(known.headers.getSetCookie()).toEqual([]);
  });

  it('password/forgot: a registered and an unknown email get the same 202 and body', async () => {
    const existing = await registerVerified(env, 'known-forgot');

    const known = await post('/v1/auth/password/forgot', { email: existing.email });
    const unknown = await post('/v1/auth/password/forgot', { email: newEmail('nobody') });

    expect(known.status).toBe(202);
    expect(shape(known)).toEqual(shape(unknown));
    expect(known.text).toBe(unknown.text);
  });

  it('after 5 failed logins a registered and an unknown email both get 429 with Retry-After and the same body — the correct password included', async () => {
    const victim = await registerVerified(env, 'locked');
    const ghost = newEmail('ghost');
    const victimIp = newClientIp();
    const ghostIp = newClientIp();

    // Interleaved, so both accounts' windows start at (almost) the same moment.
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const a = await post('/v1/auth/login', { email: victim.email, password: `wrong ${attempt}` }, victimIp);
      const b = await post('/v1/auth/login', { email: ghost, password: `wrong ${attempt}` }, ghostIp);
      expect([a.status, b.status]).toEqual([401, 401]);
    }

    const lockedKnown = await post('/v1/auth/login', { email: victim.email, password: 'wrong 6' }, victimIp);
    const lockedUnknown = await post('/v1/auth/login', { email: ghost, password: 'wrong 6' }, ghostIp);
    // The right password does not get through the lock either (or the lock would be an oracle).
    const lockedRight = await post('/v1/auth/login', { email: victim.email, password: PASSWORD }, victimIp);
    // From another address too: the lock is per account.
    const lockedElsewhere = await post('/v1/auth/login', { email: victim.email, password: PASSWORD }, newClientIp());

    const answers = [lockedKnown, lockedUnknown, lockedRight, lockedElsewhere];
    for (const answer of answers) {
      expectProblem(answer, 429);
      const retryAfter = Number(answer.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    }
    // The seconds in Retry-After and the detail may differ by one where a second boundary falls
    // between the two windows' starts; everything else must be identical.
    const seconds = answers.map((answer) => Number(answer.headers.get('retry-after')));
    expect(Math.max(...seconds) - Math.min(...seconds)).toBeLessThanOrEqual(1);
    const normalized = answers.map((answer) => {
      const body = comparable(answer) as Record<string, unknown>;
      return { ...body, detail: String(body.detail).replace(/\d+/g, 'N') };
    });
    expect(normalized).toEqual([normalized[0], normalized[0], normalized[0], normalized[0]]);
    expect(lockedRight.text).not.toMatch(/accessToken/);
  });

  it('credential spraying: after the per-address failure limit of logins from one address (over many emails) the next login from it → 429, the right password included; another address is unaffected', async () => {
    const sprayer = newClientIp();
    const target = await registerVerified(env, 'spray-target');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < LOGIN_ATTEMPT_LIMITS.ip.limit; attempt += 1) {
      const answer = await post(
        '/v1/auth/login',
        { email: newEmail(`spray${attempt}`), password: 'Winter2026!' },
        sprayer,
      );
      statuses.push(answer.status);
    }
    expect(statuses).toEqual(statuses.map(() => 401));

    const blocked = await post('/v1/auth/login', { email: target.email, password: PASSWORD }, sprayer);
    expectProblem(blocked, 429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post('/v1/auth/login', { email: target.email, password: PASSWORD }, newClientIp())).status).toBe(200);
  }, 60_000);

  it('the auth routes allow a fixed number of requests per minute per address: one more → 429 with Retry-After and the RateLimit headers; another address is unaffected', async () => {
    const ip = newClientIp();
    const statuses: number[] = [];
    for (let n = 0; n < AUTH_REQUESTS_PER_MINUTE; n += 1) {
      statuses.push((await post('/v1/auth/password/forgot', { email: newEmail('burst') }, ip)).status);
    }
    expect(statuses).toEqual(statuses.map(() => 202));

    const over = await post('/v1/auth/password/forgot', { email: newEmail('burst') }, ip);
    expectProblem(over, 429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(over.headers.get('ratelimit-policy')).toBe(`"auth";q=${AUTH_REQUESTS_PER_MINUTE};w=60`);
    expect(over.headers.get('ratelimit')).toMatch(/^"auth";r=0;t=\d+$/);
    // The quota is shared by every auth route of that address.
    expectProblem(await post('/v1/auth/login', { email: 'a@example.test', password: PASSWORD }, ip), 429);
    expect((await post('/v1/auth/password/forgot', { email: newEmail('burst') })).status).toBe(202);
  }, 60_000);

  const HUGE = 1_000_000;
  it.each([
    [
      'register, 1 MB email',
      '/v1/auth/register',
      { email: `${'e'.repeat(HUGE)}@example.test`, password: PASSWORD, name: 'X' },
    ],
    [
      'register, 1 MB password',
      '/v1/auth/register',
      { email: 'huge@example.test', password: 'p'.repeat(HUGE), name: 'X' },
    ],
    ['login, 1 MB email', '/v1/auth/login', { email: `${'e'.repeat(HUGE)}@example.test`, password: PASSWORD }],
    ['login, 1 MB password', '/v1/auth/login', { email: 'huge@example.test', password: 'p'.repeat(HUGE) }],
    ['login, 1 MiB password', '/v1/auth/login', { email: 'huge@example.test', password: 'p'.repeat(1_048_576) }],
    ['forgot, 1 MB email', '/v1/auth/password/forgot', { email: `${'e'.repeat(HUGE)}@example.test` }],
    ['reset, 1 MB password', '/v1/auth/password/reset', { token: 'A'.repeat(43), password: 'p'.repeat(HUGE) }],
  ])('%s → 413 or 422 problem, refused before any hashing', async (_name, path, body) => {
    const answer = await post(path, body);

    expect([413, 422]).toContain(answer.status);
    expect(answer.contentType).toMatch(PROBLEM);
    expect(answer.json).toMatchObject({ status: answer.status });
    // A generous bound on a shared machine: hashing a megabyte with argon2id would not make it.
    expect(answer.elapsedMs).toBeLessThan(3000);
  });

  it('the 1 MB refusal does not create an account', async () => {
    await post('/v1/auth/register', { email: 'huge2@example.test', password: 'p'.repeat(HUGE), name: 'X' });
    const { rowCount } = await env.db.query('SELECT 1 FROM users WHERE email = $1 OR length(email) > 254', [
      'huge2@example.test',
    ]);
    expect(rowCount).toBe(0);
  });

  it.each([
    [
      'register (role)',
      '/v1/auth/register',
      { email: 'mass@example.test', password: PASSWORD, name: 'X', role: 'admin' },
      'role',
    ],
    [
      'register (emailVerified)',
      '/v1/auth/register',
      { email: 'mass2@example.test', password: PASSWORD, name: 'X', emailVerified: true },
      'emailVerified',
    ],
    ['login', '/v1/auth/login', { email: 'a@example.test', password: PASSWORD, isAdmin: true }, 'isAdmin'],
    ['refresh', '/v1/auth/refresh', { refreshToken: 'A'.repeat(43), sessionId: 'x' }, 'sessionId'],
    ['forgot', '/v1/auth/password/forgot', { email: 'a@example.test', redirect: 'https://evil.example' }, 'redirect'],
    [
      'reset',
      '/v1/auth/password/reset',
      { token: 'A'.repeat(43), password: 'another fine passphrase', userId: 'x' },
      'userId',
    ],
  ])('%s with an unknown field → 422 problem naming it', async (_name, path, body, field) => {
    const answer = await post(path, body);

    expectProblem(answer, 422);
    expect(JSON.stringify(answer.json?.errors)).toContain(field);
  });

  it('registering with an unknown field creates no account', async () => {
    await post('/v1/auth/register', { email: 'mass3@example.test', password: PASSWORD, name: 'X', role: 'admin' });
    const { rowCount } = await env.db.query('SELECT 1 FROM users WHERE email = $1', ['mass3@example.test']);
    expect(rowCount).toBe(0);
  });

  it.each([
    '/v1/auth/register',
    '/v1/auth/login',
    '/v1/auth/refresh',
    '/v1/auth/password/forgot',
    '/v1/auth/password/reset',
  ])('malformed JSON to %s → 400 problem', async (path) => {
    for (const rawBody of ['{"email": "a@example.test",', '{email: 1}', "{'a': 1}", '{"a":1}}']) {
      const answer = await env.request('POST', path, { rawBody, ip: newClientIp() });
      expectProblem(answer, 400);
      expect(answer.text).not.toMatch(/at .*\.js:\d+|SyntaxError|Unexpected token/);
    }
  });

  it.each([
    ['text/plain', JSON.stringify({ email: 'a@example.test', password: PASSWORD })],
    ['application/x-www-form-urlencoded', 'email=a%40example.test&password=x'],
    ['application/xml', '<login><email>a@example.test</email></login>'],
  ])('a login body sent as %s → 415 problem (request bodies are application/json)', async (type, rawBody) => {
    const answer = await env.request('POST', '/v1/auth/login', {
      rawBody,
      headers: { 'content-type': type },
      ip: newClientIp(),
    });

    expectProblem(answer, 415);
  });

  it('a JSON body that is not an object (array, string, null) → 400 or 422 problem, never 500', async () => {
    for (const rawBody of ['[]', '"a@example.test"', 'null', '123']) {
      const answer = await env.request('POST', '/v1/auth/login', { rawBody, ip: newClientIp() });
      expect([400, 422]).toContain(answer.status);
      expect(answer.contentType).toMatch(PROBLEM);
    }
  });

  it('fields of the wrong type (email as an object, password as an array) → 422 problem, never 500', async () => {
    const answers = await Promise.all([
      post('/v1/auth/login', { email: { $ne: null }, password: PASSWORD }),
      post('/v1/auth/login', { email: 'a@example.test', password: ['a', 'b'] }),
      post('/v1/auth/password/forgot', { email: ['a@example.test', 'b@example.test'] }),
      post('/v1/auth/register', { email: 'a@example.test', password: { length: 100 }, name: 'X' }),
    ]);
    for (const answer of answers) expectProblem(answer, 422);
  });
});
