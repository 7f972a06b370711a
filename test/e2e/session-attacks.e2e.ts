import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type AuthEnvironment,
  expectProblem,
  expectUnauthenticated,
  forgotAndReadResetToken,
  loginBearer,
  loginCookie,
  newClientIp,
  PASSWORD,
  registerVerified,
  sessionCookieOf,
  startAuthEnvironment,
  untilUnauthenticated,
} from './auth-harness.js';

/**
 * Browser sessions (`?session=cookie`): the cookie's attributes, CSRF on unsafe methods,
 * fixation, malformed cookies, and revocation by a password reset. The reset token exists only
 * in the mail, so this file runs a worker and an SMTP server next to the api.
 */
describe('cookie-session attacks', () => {
  let env: AuthEnvironment;

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'sessions', mail: true });
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
  });

  const me = (cookie: string) => env.request('GET', '/v1/me', { cookie });
  const logout = (cookie: string, csrf?: string) =>
    env.request('POST', '/v1/auth/logout', {
      cookie,
      headers: csrf === undefined ? {} : { 'x-csrf-token': csrf },
    });

  it('login?session=cookie sets gw_session (HttpOnly, SameSite=Lax, Path=/, no Secure outside production, no Domain) and returns only {csrfToken}', async () => {
    const user = await registerVerified(env, 'cookie');

    const answer = await env.request('POST', '/v1/auth/login?session=cookie', {
      body: { email: user.email, password: PASSWORD },
    });

    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json ?? {})).toEqual(['csrfToken']);
    expect(answer.json?.csrfToken).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{32,}$/));
    expect(answer.headers.get('cache-control')).toMatch(/no-store/);
    const cookie = sessionCookieOf(answer);
    expect(cookie).toBeDefined();
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie!.value).not.toBe(answer.json?.csrfToken);
    expect(cookie!.attributes.get('httponly')).toBe(true);
    expect(String(cookie!.attributes.get('samesite')).toLowerCase()).toBe('lax');
    expect(cookie!.attributes.get('path')).toBe('/');
    expect(cookie!.attributes.has('secure')).toBe(false);
    expect(cookie!.attributes.has('domain')).toBe(false);
    expect(Number(cookie!.attributes.get('max-age'))).toBeGreaterThan(0);
    // No token pair leaks alongside the cookie.
    expect(answer.text).not.toMatch(/accessToken|refreshToken/);
  });

  it('GET /v1/me with the cookie → 200 (a safe method needs no CSRF header)', async () => {
    const user = await registerVerified(env, 'cookie-me');
    const { cookie } = await loginCookie(env, user.email);

    const answer = await me(cookie);

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: user.id, email: user.email });
  });

  it('POST /v1/auth/logout with the cookie: no X-CSRF-Token → 403, the CSRF token of another session → 403, a wrong one → 403; its own → 204 and the cookie is dead', async () => {
    const user = await registerVerified(env, 'csrf');
    const session = await loginCookie(env, user.email);
    const other = await loginCookie(env, user.email);
    const stranger = await registerVerified(env, 'csrf-stranger');
    const strangers = await loginCookie(env, stranger.email);

    expectProblem(await logout(session.cookie), 403);
    expectProblem(await logout(session.cookie, other.csrfToken), 403);
    expectProblem(await logout(session.cookie, strangers.csrfToken), 403);
    expectProblem(await logout(session.cookie, ''), 403);
    expectProblem(await logout(session.cookie, `${session.csrfToken}x`), 403);
    expectProblem(await logout(session.cookie, session.csrfToken.toLowerCase().replace(/./, '!')), 403);
    // None of the refused attempts ended the session.
    expect((await me(session.cookie)).status).toBe(200);

    const out = await logout(session.cookie, session.csrfToken);
    expect(out.status).toBe(204);
    const cleared = sessionCookieOf(out);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes.get('max-age')).toBe('0');

    expectUnauthenticated(await untilUnauthenticated(() => me(session.cookie)));
    // The other sessions of the account are untouched.
    expect((await me(other.cookie)).status).toBe(200);
    expect((await me(strangers.cookie)).status).toBe(200);
  });

  it('DELETE /v1/me with the cookie but without the CSRF token → 403 and the account survives; with it → 204', async () => {
    const user = await registerVerified(env, 'csrf-delete');
    const session = await loginCookie(env, user.email);

    expectProblem(await env.request('DELETE', '/v1/me', { cookie: session.cookie }), 403);
    expectProblem(
      await env.request('DELETE', '/v1/me', { cookie: session.cookie, headers: { 'x-csrf-token': 'forged' } }),
      403,
    );
    expect((await me(session.cookie)).status).toBe(200);

    const deleted = await env.request('DELETE', '/v1/me', {
      cookie: session.cookie,
      headers: { 'x-csrf-token': session.csrfToken },
    });
    expect(deleted.status).toBe(204);
    expectUnauthenticated(await untilUnauthenticated(() => me(session.cookie)));
  });

  it('the CSRF token is no credential on its own: the header without the cookie → 401', async () => {
    const user = await registerVerified(env, 'csrf-alone');
    const session = await loginCookie(env, user.email);

    expectUnauthenticated(
      await env.request('POST', '/v1/auth/logout', { headers: { 'x-csrf-token': session.csrfToken } }),
    );
    expect((await me(session.cookie)).status).toBe(200);
  });

  it('session fixation: an attacker-chosen cookie value is never adopted — login sets a different value and the planted one stays 401', async () => {
    const user = await registerVerified(env, 'fixation');
    const planted = randomBytes(32).toString('base64url');
    expect(planted).toHaveLength(43);
    expectUnauthenticated(await me(`gw_session=${planted}`));

    const ip = newClientIp();
    const login = await env.request('POST', '/v1/auth/login?session=cookie', {
      body: { email: user.email, password: PASSWORD },
      cookie: `gw_session=${planted}`,
      ip,
    });

    expect(login.status).toBe(200);
    const issued = sessionCookieOf(login);
    expect(issued?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued?.value).not.toBe(planted);
    expectUnauthenticated(await me(`gw_session=${planted}`));
    expectUnauthenticated(
      await env.request('POST', '/v1/auth/logout', {
        cookie: `gw_session=${planted}`,
        headers: { 'x-csrf-token': String(login.json?.csrfToken) },
      }),
    );
    expect((await me(`gw_session=${issued!.value}`)).status).toBe(200);
  });

  it('two logins give two different cookie values and CSRF tokens', async () => {
    const user = await registerVerified(env, 'twice');

    const first = await loginCookie(env, user.email);
    const second = await loginCookie(env, user.email);

    expect(second.cookie).not.toBe(first.cookie);
    expect(second.csrfToken).not.toBe(first.csrfToken);
    expect((await me(first.cookie)).status).toBe(200);
    expect((await me(second.cookie)).status).toBe(200);
  });

  it.each([
    ['an empty value', 'gw_session='],
    ['a short value', 'gw_session=abc'],
    ['a 43-character value with forbidden characters', `gw_session=${'!'.repeat(43)}`],
    ['a broken percent-encoding', 'gw_session=%E0%A4%A'],
    ['a quoted value', `gw_session="${randomBytes(32).toString('base64url')}"`],
    ['a 4 KB value', `gw_session=${'a'.repeat(4096)}`],
    ['a JSON-looking value', 'gw_session={"sessionId":"x"}'],
    ['a prototype key', 'gw_session=__proto__'],
    ['two gw_session cookies', `gw_session=${randomBytes(32).toString('base64url')}; gw_session=x`],
    ['a cookie header without "="', 'gw_session'],
  ])('a malformed session cookie (%s) → 401 problem, never 500', async (_name, cookie) => {
    expectUnauthenticated(await me(cookie));
  });

  it('a password reset (forgot → mail → reset) revokes cookie and bearer sessions: both → 401 within 5 s', async () => {
    const user = await registerVerified(env, 'reset');
    const browser = await loginCookie(env, user.email);
    const bearer = await loginBearer(env, user.email);
    expect((await me(browser.cookie)).status).toBe(200);
    expect((await env.request('GET', '/v1/me', { bearer: bearer.accessToken })).status).toBe(200);

    const { token } = await forgotAndReadResetToken(env, user.email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const reset = await env.request('POST', '/v1/auth/password/reset', {
      body: { token, password: 'another perfectly fine passphrase' },
    });
    expect(reset.status).toBe(204);

    expectUnauthenticated(await untilUnauthenticated(() => me(browser.cookie)));
    expectUnauthenticated(
      await untilUnauthenticated(() => env.request('GET', '/v1/me', { bearer: bearer.accessToken })),
    );
    expectUnauthenticated(
      await env.request('POST', '/v1/auth/refresh', { body: { refreshToken: bearer.refreshToken } }),
    );
  }, 40_000);
});
