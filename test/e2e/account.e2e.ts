import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Answer,
  type AuthEnvironment,
  expectProblem,
  expectUnauthenticated,
  forgotAndReadResetToken,
  loginBearer,
  newClientIp,
  PASSWORD,
  PUBLIC_API_URL,
  registerVerified,
  startAuthEnvironment,
  untilUnauthenticated,
  WEB_URL,
} from './auth-harness.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

interface SecurityEvent {
  id: string;
  action: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  createdAt: string;
}

interface EventPage {
  data: SecurityEvent[];
  page: { nextCursor: string | null; limit: number };
}

/**
 * The caller's own account: /v1/me, unverified sign-in, deletion, the security trail with its
 * cursor pagination, and the forgot/reset password flow through the worker and a real SMTP server.
 */
describe('the account (/v1/me, security events, password reset)', () => {
  let env: AuthEnvironment;

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'account', mail: true });
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
  });

  const login = (email: string, password = PASSWORD, ip = newClientIp(), headers: Record<string, string> = {}) =>
    env.request('POST', '/v1/auth/login', { body: { email, password }, ip, headers });

  it('GET /v1/me is {id, email, name, emailVerified, createdAt} and nothing else', async () => {
    const user = await registerVerified(env, 'shape', { name: 'Grace Hopper' });
    const { accessToken } = await loginBearer(env, user.email);

    const answer = await env.request('GET', '/v1/me', { bearer: accessToken });

    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(Object.keys(answer.json ?? {}).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'name']);
    expect(answer.json).toEqual({
      id: user.id,
      email: user.email,
      name: 'Grace Hopper',
      emailVerified: true,
      createdAt: expect.stringMatching(ISO_UTC),
    });
    expect(user.id).toMatch(UUID_V7);
    expect(Math.abs(Date.parse(String(answer.json?.createdAt)) - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('GET /v1/me without credentials → 401 problem with WWW-Authenticate', async () => {
    expectUnauthenticated(await env.request('GET', '/v1/me'));
  });

  it('an unverified account: the correct password → 403 problem; a wrong one → 401 (as for anyone)', async () => {
    const user = await registerVerified(env, 'unverified', { verified: false });

    const right = await login(user.email);
    const wrong = await login(user.email, 'not the password at all');

    expectProblem(right, 403);
    expect(right.text).not.toMatch(/accessToken/);
    expectUnauthenticated(wrong);
  });

  it('DELETE /v1/me → 204; the old credentials → 401, the old token → 401 within 5 s, and the email can be registered anew', async () => {
    const user = await registerVerified(env, 'delete-me');
    const { accessToken } = await loginBearer(env, user.email);

    const deleted = await env.request('DELETE', '/v1/me', { bearer: accessToken });

    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectUnauthenticated(await login(user.email));
    expectUnauthenticated(await untilUnauthenticated(() => env.request('GET', '/v1/me', { bearer: accessToken })));

    const again = await env.request('POST', '/v1/auth/register', {
      body: { email: user.email, password: 'a brand new passphrase', name: 'Second Life' },
    });
    expect(again.status).toBe(201);
    const { rows } = await env.db.query<{ id: string }>(
      'UPDATE users SET email_verified_at = now() WHERE email = $1 AND deleted_at IS NULL RETURNING id',
      [user.email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toBe(user.id);
    expectUnauthenticated(await login(user.email));
    const fresh = await login(user.email, 'a brand new passphrase');
    expect(fresh.status).toBe(200);
    const me = await env.request('GET', '/v1/me', { bearer: String(fresh.json?.accessToken) });
    expect(me.json).toMatchObject({ id: rows[0]!.id, email: user.email, name: 'Second Life' });
  });

  it('a re-registered email starts with an empty trail: nothing of the deleted account is shown', async () => {
    const user = await registerVerified(env, 'reborn');
    expect((await login(user.email, 'wrong password here')).status).toBe(401);
    const { accessToken } = await loginBearer(env, user.email);
    expect((await env.request('DELETE', '/v1/me', { bearer: accessToken })).status).toBe(204);

    await env.request('POST', '/v1/auth/register', {
      body: { email: user.email, password: PASSWORD, name: 'Reborn' },
    });
    await env.db.query('UPDATE users SET email_verified_at = now() WHERE email = $1 AND deleted_at IS NULL', [
      user.email,
    ]);
    const fresh = await loginBearer(env, user.email);
    const events = await env.request('GET', '/v1/me/security-events', { bearer: fresh.accessToken });

    expect(((events.json as unknown as EventPage).data ?? []).map((event) => event.action)).toEqual([
      'login.succeeded',
    ]);
  });

  describe('GET /v1/me/security-events', () => {
    const ip = newClientIp();
    const userAgent = `groundwork-e2e/${randomBytes(3).toString('hex')}`;
    let user: { email: string; id: string };
    let token: string;
    let requestIds: Record<'failed' | 'first' | 'logout' | 'second', string>;

    beforeAll(async () => {
      user = await registerVerified(env, 'trail');
      const tag = randomBytes(4).toString('hex');
      requestIds = { failed: `f-${tag}`, first: `l1-${tag}`, logout: `o-${tag}`, second: `l2-${tag}` };
      const as = (id: string) => ({ 'user-agent': userAgent, 'x-request-id': id });
      expect((await login(user.email, 'wrong password here', ip, as(requestIds.failed))).status).toBe(401);
      const first = await login(user.email, PASSWORD, ip, as(requestIds.first));
      expect(first.status).toBe(200);
      const out = await env.request('POST', '/v1/auth/logout', {
        bearer: String(first.json?.accessToken),
        ip,
        headers: as(requestIds.logout),
      });
      expect(out.status).toBe(204);
      const second = await login(user.email, PASSWORD, ip, as(requestIds.second));
      expect(second.status).toBe(200);
      token = String(second.json?.accessToken);
    });

    const list = (query = '', bearer = token) =>
      env.request('GET', `/v1/me/security-events${query}`, { bearer, ip: newClientIp() });

    it('lists login.succeeded, login.failed and logout, newest first, each with ip, userAgent and requestId', async () => {
      const answer = await list();

      expect(answer.status).toBe(200);
      const { data, page } = answer.json as unknown as EventPage;
      expect(data.map((event) => [event.action, event.requestId])).toEqual([
        ['login.succeeded', requestIds.second],
        ['logout', requestIds.logout],
        ['login.succeeded', requestIds.first],
        ['login.failed', requestIds.failed],
      ]);
      for (const event of data) {
        expect(event).toMatchObject({ id: expect.stringMatching(UUID_V7), ip, userAgent });
        expect(event.createdAt).toMatch(ISO_UTC);
      }
      const times = data.map((event) => Date.parse(event.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(page).toEqual({ nextCursor: null, limit: 20 });
      expect(answer.headers.get('link')).toBeNull();
    });

    it('limit=1 pages through the trail with nextCursor and Link rel="next", ending with a null cursor', async () => {
      const all = ((await list()).json as unknown as EventPage).data.map((event) => event.id);
      const seen: string[] = [];
      let query = '?limit=1';
      for (let pageNo = 0; pageNo < 10; pageNo += 1) {
        const answer = await list(query);
        expect(answer.status).toBe(200);
        const { data, page } = answer.json as unknown as EventPage;
        expect(data).toHaveLength(1);
        expect(page.limit).toBe(1);
        seen.push(data[0]!.id);
        if (page.nextCursor === null) {
          expect(answer.headers.get('link')).toBeNull();
          break;
        }
        const link = answer.headers.get('link');
        expect(link).toBe(
          `<${PUBLIC_API_URL}/v1/me/security-events?limit=1&cursor=${encodeURIComponent(page.nextCursor)}>; rel="next"`,
        );
        query = `?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`;
      }
      expect(seen).toEqual(all);
    });

    it('a tampered, malformed or foreign cursor → 400 problem; a limit out of range → 422', async () => {
      const first = (await list('?limit=1')).json as unknown as EventPage;
      const cursor = first.page.nextCursor!;
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { s: string; k: unknown[] };
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const flipped = `${cursor.slice(0, -2)}${cursor.at(-2) === 'A' ? 'B' : 'A'}${cursor.at(-1)}`;
      const tampered = [
        flipped,
        `${cursor}x`,
        '!!!not-base64!!!',
        encode({ s: 'someotherscope', k: decoded.k }),
        encode({ s: decoded.s, k: ['not-a-uuid'] }),
        encode({ s: decoded.s, k: [] }),
        encode({ s: decoded.s, k: [{ $gt: '' }] }),
        encode({ s: decoded.s, k: [12345] }),
        encode(['a']),
        'a'.repeat(1025),
      ];
      const refused: { cursor: string; status: number; contentType: string }[] = [];
      for (const bad of tampered) {
        const answer = await list(`?limit=1&cursor=${encodeURIComponent(bad)}`);
        refused.push({ cursor: bad.slice(0, 40), status: answer.status, contentType: answer.contentType });
      }
      // Each is refused as the client's fault (400, or 422 for a query over the length limit), never a 5xx.
      expect(
        refused.filter((r) => ![400, 422].includes(r.status) || !r.contentType.startsWith('application/problem+json')),
      ).toEqual([]);
      // The scoped cursor kinds are a 400 specifically (a malformed or foreign cursor).
      for (const bad of [
        flipped,
        encode({ s: 'someotherscope', k: decoded.k }),
        encode({ s: decoded.s, k: ['not-a-uuid'] }),
      ]) {
        expectProblem(await list(`?limit=1&cursor=${encodeURIComponent(bad)}`), 400);
      }

      // Another account's cursor is foreign to this list.
      const other = await registerVerified(env, 'trail-other');
      const otherToken = (await loginBearer(env, other.email)).accessToken;
      expectProblem(await list(`?limit=1&cursor=${encodeURIComponent(cursor)}`, otherToken), 400);

      for (const limit of ['0', '101', '-1', 'abc']) expectProblem(await list(`?limit=${limit}`), 422);
    });
  });

  it('password reset: a weak new password → 422 and the token stays usable; after a reset every other outstanding reset token is dead', async () => {
    const user = await registerVerified(env, 'reset-two');
    const first = await forgotAndReadResetToken(env, user.email);
    const second = await forgotAndReadResetToken(env, user.email);
    expect(second.token).not.toBe(first.token);

    expectProblem(
      await env.request('POST', '/v1/auth/password/reset', { body: { token: second.token, password: 'password' } }),
      422,
    );
    const reset = await env.request('POST', '/v1/auth/password/reset', {
      body: { token: second.token, password: 'the second passphrase wins' },
    });
    expect(reset.status).toBe(204);

    expectProblem(
      await env.request('POST', '/v1/auth/password/reset', {
        body: { token: first.token, password: 'the first passphrase loses' },
      }),
      400,
    );
    expect((await login(user.email, 'the second passphrase wins')).status).toBe(200);
  }, 40_000);

  it('forgot/reset password with the worker and SMTP: the mail links to {APP_WEB_URL}/reset-password?token=…; reset → 204; old password 401; new password 200; the token again → 400', async () => {
    const user = await registerVerified(env, 'reset');
    const before = await loginBearer(env, user.email);

    const { forgot, token, link } = await forgotAndReadResetToken(env, user.email);

    expect(forgot.status).toBe(202);
    expect(link.startsWith(`${WEB_URL}/reset-password?token=`)).toBe(true);
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const newPassword = 'a completely different passphrase';
    const reset = await env.request('POST', '/v1/auth/password/reset', { body: { token, password: newPassword } });
    expect(reset.status).toBe(204);
    expect(reset.text).toBe('');

    expectUnauthenticated(await login(user.email, PASSWORD));
    const fresh = await login(user.email, newPassword);
    expect(fresh.status).toBe(200);

    const reused: Answer = await env.request('POST', '/v1/auth/password/reset', {
      body: { token, password: 'yet another fine passphrase' },
    });
    expectProblem(reused, 400);
    const madeUp = await env.request('POST', '/v1/auth/password/reset', {
      body: { token: randomBytes(32).toString('base64url'), password: 'yet another fine passphrase' },
    });
    expectProblem(madeUp, 400);
    expect(madeUp.json?.type).toBe(reused.json?.type);
    // The reused token did not change the password.
    expect((await login(user.email, newPassword)).status).toBe(200);
    // The sessions from before the reset are over.
    expectUnauthenticated(
      await untilUnauthenticated(() => env.request('GET', '/v1/me', { bearer: before.accessToken })),
    );

    const events = await env.request('GET', '/v1/me/security-events?limit=100', {
      bearer: String(fresh.json?.accessToken),
    });
    const actions = ((events.json as unknown as EventPage).data ?? []).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['password.reset_requested', 'password.changed']));
  }, 40_000);
});
