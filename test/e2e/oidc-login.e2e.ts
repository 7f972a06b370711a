import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AppProcess } from '../support/app-process.js';
import { type BrowserAnswer, ManualBrowser } from '../support/manual-browser.js';
import { type IdpAccount, OidcTestProvider } from '../support/oidc-provider.js';
import { freePort } from '../support/ports.js';

const CLIENT_ID = 'groundwork-e2e';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const PROBLEM = /^application\/problem\+json/;

function account(label: string, extra: Partial<IdpAccount> = {}): IdpAccount {
  const id = randomBytes(5).toString('hex');
  return {
    sub: `${label}-${id}`,
    email: `${label}-${id}@example.test`,
    email_verified: true,
    name: 'Ada Lovelace',
    ...extra,
  };
}

function jwtPayload(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * OpenID login through the built api against a real OpenID provider (oidc-provider) started by
 * the test on 127.0.0.1. The browser is a cookie jar that follows redirects by hand, so each
 * step (the authorize redirect, the IdP, the callback) can be inspected or tampered with.
 */
describe('OIDC login (built api, oidc-provider)', () => {
  let idp: OidcTestProvider;
  let api: AppProcess;
  let apiUrl: string;
  let callbackUrl: string;
  let db: pg.Pool;

  beforeAll(async () => {
    // The redirect URI is registered at the IdP before the api starts, so the api's port is chosen first.
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    callbackUrl = `${apiUrl}/v1/auth/oidc/test/callback`;
    idp = await OidcTestProvider.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [callbackUrl],
    });
    api = await AppProcess.start('api', {
      port,
      waitFor: 'ready',
      env: {
        PUBLIC_API_URL: apiUrl,
        OIDC_TEST_ISSUER: idp.issuer,
        OIDC_TEST_CLIENT_ID: CLIENT_ID,
        OIDC_TEST_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
    db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  }, 60_000);

  afterAll(async () => {
    await api?.kill();
    await idp?.close();
    await db?.end();
  });

  async function usersWithEmail(email: string): Promise<Array<{ id: string; password_hash: string | null }>> {
    const { rows } = await db.query<{ id: string; password_hash: string | null }>(
      'SELECT id, password_hash FROM users WHERE email = $1',
      [email],
    );
    return rows;
  }

  /**
   * A new browser starts a login at the api and follows the redirects through the IdP (signing
   * in `who`) until the IdP sends it back to the callback, which is returned unrequested.
   */
  async function toCallback(who: IdpAccount, options: { session?: 'cookie'; tamper?: (url: URL) => void } = {}) {
    idp.addAccount(who);
    idp.loginAs(who.sub);
    const browser = new ManualBrowser();
    const authorize = await browser.get(
      `${apiUrl}/v1/auth/oidc/test/authorize${options.session ? `?session=${options.session}` : ''}`,
    );
    expect(authorize.status).toBe(302);
    const idpUrl = new URL(authorize.location!);
    options.tamper?.(idpUrl);
    const back = await browser.followUntil(idpUrl.href, (next) => next.startsWith(callbackUrl));
    if (!back.location?.startsWith(callbackUrl))
      throw new Error(`the IdP did not redirect back: ${back.status} ${back.text}`);
    return { browser, authorize, callback: back.location };
  }

  async function login(
    who: IdpAccount,
    session?: 'cookie',
  ): Promise<{ answer: BrowserAnswer; browser: ManualBrowser }> {
    const { browser, callback } = await toCallback(who, { session });
    return { answer: await browser.get(callback), browser };
  }

  function expectRefused(answer: BrowserAnswer, status = 401): void {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
    expect(answer.setCookies.some((c) => c.startsWith('gw_session='))).toBe(false);
    expect(answer.text).not.toMatch(/accessToken|refreshToken/);
  }

  it('authorize redirects to the IdP with PKCE S256, state and nonce, and binds the state to the browser', async () => {
    const browser = new ManualBrowser();

    const answer = await browser.get(`${apiUrl}/v1/auth/oidc/test/authorize`);

    expect(answer.status).toBe(302);
    const target = new URL(answer.location!);
    expect(`${target.origin}${target.pathname}`).toBe(`${idp.issuer}/auth`);
    expect(target.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(target.searchParams.get('redirect_uri')).toBe(callbackUrl);
    expect(target.searchParams.get('code_challenge_method')).toBe('S256');
    expect(target.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(target.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = target.searchParams.get('state');
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = answer.setCookies.find((c) => c.startsWith('gw_oidc_state='));
    expect(cookie).toBe(
      `gw_oidc_state=${state}; Max-Age=600; Path=/v1/auth/oidc/test/callback; HttpOnly; SameSite=Lax`,
    );
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('an unknown provider is a 404 problem', async () => {
    const answer = await new ManualBrowser().get(`${apiUrl}/v1/auth/oidc/nope/authorize`);

    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
  });

  it('a full login creates the account and returns tokens that work on GET /v1/me', async () => {
    const who = account('full');

    const { answer } = await login(who);

    expect(answer.status).toBe(200);
    const tokens = JSON.parse(answer.text) as {
      accessToken: string;
      refreshToken: string;
      expiresIn: number;
      tokenType: string;
    };
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(answer.setCookies).toContain(
      'gw_oidc_state=; Max-Age=0; Path=/v1/auth/oidc/test/callback; HttpOnly; SameSite=Lax',
    );
    const [user] = await usersWithEmail(who.email);
    expect(user?.password_hash).toBeNull();
    expect(jwtPayload(tokens.accessToken)).toMatchObject({ sub: user!.id, iss: apiUrl, aud: 'groundwork-api' });
    const me = await fetch(`${apiUrl}/v1/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      id: user!.id,
      email: who.email,
      name: 'Ada Lovelace',
      emailVerified: true,
    });
  });

  it('a second login with the same IdP account signs in the same user', async () => {
    const who = account('twice');
    const first = await login(who);
    const second = await login(who);

    expect([first.answer.status, second.answer.status]).toEqual([200, 200]);
    const subOf = (a: BrowserAnswer) => jwtPayload((JSON.parse(a.text) as { accessToken: string }).accessToken).sub;
    expect(subOf(second.answer)).toBe(subOf(first.answer));
    expect(await usersWithEmail(who.email)).toHaveLength(1);
  });

  it('links the IdP account to an existing account with that verified email', async () => {
    const who = account('existing');
    const id = '01900000-0000-7000-8000-' + randomBytes(6).toString('hex');
    await db.query(
      `INSERT INTO users (id, email, name, password_hash, updated_at) VALUES ($1, $2, 'Existing', 'x', now())`,
      [id, who.email],
    );

    const { answer } = await login(who);

    expect(answer.status).toBe(200);
    expect(jwtPayload((JSON.parse(answer.text) as { accessToken: string }).accessToken).sub).toBe(id);
  });

  it('cookie mode sets the session cookie, returns the CSRF token, and the cookie signs GET /v1/me in', async () => {
    const who = account('cookie');

    const { answer } = await login(who, 'cookie');

    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text) as { csrfToken: string };
    expect(body.csrfToken).toEqual(expect.any(String));
    const session = answer.setCookies.find((c) => c.startsWith('gw_session='));
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    const me = await fetch(`${apiUrl}/v1/me`, { headers: { cookie: session!.split(';')[0]! } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: who.email });
  });

  it('refuses a tampered state', async () => {
    const { browser, callback } = await toCallback(account('tamper'));
    const url = new URL(callback);
    const state = url.searchParams.get('state')!;
    url.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);

    expectRefused(await browser.get(url.href));
  });

  it('refuses a callback in a browser that did not start the login (no state cookie)', async () => {
    const { callback } = await toCallback(account('csrf'));

    expectRefused(await new ManualBrowser().get(callback));
  });

  it('refuses a replayed authorization code, even with a freshly started login in the same browser', async () => {
    const { browser, callback } = await toCallback(account('replay'));
    expect((await browser.get(callback)).status).toBe(200);
    // A new login puts a fresh state in the browser's cookie (and in Redis); the old code goes with it.
    const fresh = await browser.get(`${apiUrl}/v1/auth/oidc/test/authorize`);
    const replay = new URL(callback);
    replay.searchParams.set('state', new URL(fresh.location!).searchParams.get('state')!);

    const answer = await browser.get(replay.href);

    expectRefused(answer);
    expect(JSON.parse(answer.text)).toMatchObject({ detail: expect.stringMatching(/authorization code/) });
  });

  it('refuses the same callback twice (the state is single-use)', async () => {
    const { browser, callback } = await toCallback(account('twice-callback'));
    expect((await browser.get(callback)).status).toBe(200);
    // The api cleared the state cookie; an attacker replaying the request would still send it.
    const state = new URL(callback).searchParams.get('state')!;

    expectRefused(await browser.get(callback, { cookie: `gw_oidc_state=${state}` }));
  });

  it('refuses an ID token whose nonce differs from the one stored for the login', async () => {
    const who = account('nonce');
    const { browser, callback } = await toCallback(who, {
      tamper: (url) => url.searchParams.set('nonce', randomBytes(32).toString('base64url')),
    });

    expectRefused(await browser.get(callback));
    expect(await usersWithEmail(who.email)).toHaveLength(0);
  });

  it('refuses an IdP account whose email is not verified, and creates no account', async () => {
    const who = account('unverified', { email_verified: false });

    const { answer } = await login(who);

    expectRefused(answer, 403);
    expect(JSON.parse(answer.text)).toMatchObject({ detail: expect.stringMatching(/verified email/) });
    expect(await usersWithEmail(who.email)).toHaveLength(0);
  });
});
