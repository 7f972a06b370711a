import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import {
  AuditModule,
  DatabaseModule,
  DomainError,
  EventsModule,
  loadAppConfig,
  MetricsModule,
  PlatformConfigModule,
  PrismaService,
  RedisModule,
  RedisService,
} from '@groundwork/platform';
import { IdentityModule, oidcRedirectUri, OidcLoginService, type OidcSessionMode } from '@groundwork/identity';
import { ManualBrowser } from '../../support/manual-browser.js';
import { type IdpAccount, OidcTestProvider } from '../../support/oidc-provider.js';
import { freePort } from '../../support/ports.js';
import { eventually } from '../../support/wait.js';

const PUBLIC_API_URL = 'http://api.test';
const CLIENT_ID = 'groundwork-it';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const CALLBACK = oidcRedirectUri(PUBLIC_API_URL, 'test');

function account(label: string, extra: Partial<IdpAccount> = {}): IdpAccount {
  const id = randomBytes(5).toString('hex');
  return { sub: `${label}-${id}`, email: `${label}-${id}@example.test`, email_verified: true, name: 'Ada', ...extra };
}

/**
 * The login service against a real OpenID provider (oidc-provider, in process) with real Redis
 * and PostgreSQL; the "browser" is a cookie jar following redirects by hand. The callback is
 * not requested over HTTP: its URL is handed to `complete()` as the api's controller would.
 */
describe('OidcLoginService against oidc-provider', () => {
  let idp: OidcTestProvider;
  let moduleRef: TestingModule;
  let logins: OidcLoginService;
  let prisma: PrismaService;
  let redis: RedisService;
  let deadIssuerPort: number;

  beforeAll(async () => {
    idp = await OidcTestProvider.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [CALLBACK] });
    deadIssuerPort = await freePort();
    const config = loadAppConfig('api', {
      ...process.env,
      PUBLIC_API_URL,
      OIDC_TEST_ISSUER: idp.issuer,
      OIDC_TEST_CLIENT_ID: CLIENT_ID,
      OIDC_TEST_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_DOWN_ISSUER: `http://127.0.0.1:${deadIssuerPort}`,
      OIDC_DOWN_CLIENT_ID: 'x',
      OIDC_DOWN_CLIENT_SECRET: 'y',
    });
    moduleRef = await Test.createTestingModule({
      imports: [
        PlatformConfigModule.forRoot('api', config),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        AuditModule,
        EventsModule,
        IdentityModule,
      ],
    }).compile();
    await moduleRef.init();
    logins = moduleRef.get(OidcLoginService);
    prisma = moduleRef.get(PrismaService);
    redis = moduleRef.get(RedisService);
    // The client does not queue commands while it connects (it fails fast, by design).
    await eventually(async () => redis.client.status === 'ready');
  });

  afterAll(async () => {
    await moduleRef?.close();
    await idp?.close();
  });

  /** Starts a login and walks the browser through the IdP up to (not into) the callback. */
  async function toCallback(who: IdpAccount, mode: OidcSessionMode = 'bearer', tamper?: (url: URL) => void) {
    idp.addAccount(who);
    idp.loginAs(who.sub);
    const started = await logins.begin('test', mode);
    const authorize = new URL(started.authorizationUrl);
    tamper?.(authorize);
    const browser = new ManualBrowser();
    const last = await browser.followUntil(authorize.href, (next) => next.startsWith(CALLBACK));
    if (!last.location?.startsWith(CALLBACK))
      throw new Error(`the IdP did not redirect back: ${last.status} ${last.text}`);
    return { state: started.state, authorizationUrl: authorize, callback: new URL(last.location) };
  }

  async function refusal(promise: Promise<unknown>): Promise<DomainError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
    return error;
  }

  it('sends the browser to the IdP with PKCE S256, state, nonce and the redirect URI under PUBLIC_API_URL', async () => {
    const { authorizationUrl, state } = await logins.begin('test', 'bearer');

    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBe(state);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(await redis.client.ttl(`oidc:login:${state}`)).toBeGreaterThan(590);
  });

  it('completes a login: the account is created from the verified claims, in the mode the login started with', async () => {
    const who = account('new', { name: 'Ada Lovelace' });
    const { state, callback } = await toCallback(who, 'cookie');

    const result = await logins.complete('test', callback.searchParams, state);

    expect(result).toMatchObject({ provider: 'test', created: true, session: { kind: 'cookie' } });
    const session = await prisma.authSession.findUniqueOrThrow({ where: { id: result.session.sessionId } });
    expect(session).toMatchObject({ userId: result.userId, kind: 'cookie', method: 'oidc:test' });
    const user = await prisma.user.findUniqueOrThrow({ where: { id: result.userId } });
    expect(user).toMatchObject({ email: who.email, name: 'Ada Lovelace', passwordHash: null });
    expect(user.emailVerifiedAt).not.toBeNull();
  });

  it('a second login with the same IdP account is the same user', async () => {
    const who = account('again');
    const first = await toCallback(who);
    const { userId } = await logins.complete('test', first.callback.searchParams, first.state);

    const second = await toCallback(who);
    const again = await logins.complete('test', second.callback.searchParams, second.state);

    expect(again).toMatchObject({ userId, created: false });
  });

  it('refuses a tampered state, and a state not bound to this browser', async () => {
    const { state, callback } = await toCallback(account('tamper'));
    const tampered = new URLSearchParams(callback.searchParams);
    tampered.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);

    expect((await refusal(logins.complete('test', tampered, tampered.get('state')!))).code).toBe('unauthenticated');
    expect((await refusal(logins.complete('test', callback.searchParams, undefined))).code).toBe('unauthenticated');
    expect((await refusal(logins.complete('test', callback.searchParams, 'another-browser-state-value'))).code).toBe(
      'unauthenticated',
    );
    // None of those consumed the real pending login: the genuine callback still works once.
    await expect(logins.complete('test', callback.searchParams, state)).resolves.toMatchObject({ created: true });
    expect((await refusal(logins.complete('test', callback.searchParams, state))).message).toMatch(/already used/);
  });

  it('refuses a replayed authorization code, even with a fresh pending login', async () => {
    const first = await toCallback(account('replay'));
    await logins.complete('test', first.callback.searchParams, first.state);
    const fresh = await logins.begin('test', 'bearer');
    const replay = new URLSearchParams(first.callback.searchParams);
    replay.set('state', fresh.state);

    const error = await refusal(logins.complete('test', replay, fresh.state));

    expect(error.code).toBe('unauthenticated');
    expect(error.message).toMatch(/authorization code/);
  });

  it('refuses an ID token whose nonce is not the one stored for the login', async () => {
    const who = account('nonce');
    const { state, callback } = await toCallback(who, 'bearer', (url) =>
      url.searchParams.set('nonce', randomBytes(32).toString('base64url')),
    );

    const error = await refusal(logins.complete('test', callback.searchParams, state));

    expect(error.code).toBe('unauthenticated');
    // openid-client's ClientError wraps the check that failed.
    expect(((error.cause as Error).cause as Error).message).toMatch(/"nonce"/);
    expect(await prisma.user.count({ where: { email: who.email } })).toBe(0);
  });

  it('refuses an IdP account whose email is not verified, creating nothing', async () => {
    const who = account('unverified', { email_verified: false });
    const { state, callback } = await toCallback(who);

    const error = await refusal(logins.complete('test', callback.searchParams, state));

    expect(error.code).toBe('forbidden');
    expect(await prisma.user.count({ where: { email: who.email } })).toBe(0);
  });

  it('refuses an error answer from the IdP (e.g. the user denied access)', async () => {
    const { state } = await logins.begin('test', 'bearer');
    const query = new URLSearchParams({ error: 'access_denied', state, iss: idp.issuer });

    const error = await refusal(logins.complete('test', query, state));

    expect(error.code).toBe('unauthenticated');
    expect(error.message).toMatch(/access_denied/);
  });

  it('an unknown provider is not found', async () => {
    expect((await refusal(logins.begin('nope', 'bearer'))).code).toBe('not_found');
  });

  it('an unreachable provider answers unavailable with a retry delay, and works once it is back after that delay', async () => {
    const error = await refusal(logins.begin('down', 'bearer'));
    expect(error.code).toBe('unavailable');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);

    const revived = await OidcTestProvider.start({
      clientId: 'x',
      clientSecret: 'y',
      redirectUris: [oidcRedirectUri(PUBLIC_API_URL, 'down')],
      port: deadIssuerPort,
    });
    try {
      // Within the retry delay the failure is remembered: no discovery storm against a sick IdP.
      expect((await refusal(logins.begin('down', 'bearer'))).code).toBe('unavailable');
      const now = Date.now();
      const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 11_000);
      try {
        const started = await logins.begin('down', 'bearer');
        expect(new URL(started.authorizationUrl).origin).toBe(revived.issuer);
      } finally {
        clock.mockRestore();
      }
    } finally {
      await revived.close();
    }
  });
});
