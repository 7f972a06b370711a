import { timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { DomainError, RedisService } from '@groundwork/platform';
import { type OpenedSession, SessionsService } from '../sessions/sessions.service.js';
import { OidcAccountLinker, type OidcClaims } from './oidc-account-linker.js';
import { OidcProviderRegistry } from './oidc-provider-registry.js';

/** How long a user may spend at the IdP between the authorize redirect and the callback. */
export const OIDC_LOGIN_TTL_SECONDS = 600;

/** What the caller gets once signed in: bearer tokens in the body, or the session cookie. */
export type OidcSessionMode = 'bearer' | 'cookie';

export interface OidcLoginStart {
  authorizationUrl: string;
  /** Bind it to the browser (a short-lived cookie); the callback must present it again. */
  state: string;
}

export interface OidcLoginResult {
  userId: string;
  provider: string;
  /** Whether this login created the account. */
  created: boolean;
  /** The new session, of the kind (bearer or cookie) the login was started for. */
  session: OpenedSession;
}

/** What the server keeps between the redirect and the callback; never leaves the server. */
interface PendingLogin {
  provider: string;
  mode: OidcSessionMode;
  nonce: string;
  codeVerifier: string;
}

/** randomState() is 32 random bytes in base64url; anything else cannot be ours. */
const STATE_PATTERN = /^[A-Za-z0-9_-]{20,128}$/;

function pendingKey(state: string): string {
  return `oidc:login:${state}`;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function isPendingLogin(value: unknown): value is PendingLogin {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.provider === 'string' &&
    (v.mode === 'bearer' || v.mode === 'cookie') &&
    typeof v.nonce === 'string' &&
    typeof v.codeVerifier === 'string'
  );
}

function refused(message: string, cause?: unknown): DomainError {
  return new DomainError('unauthenticated', message, { cause });
}

/** A failure to reach the IdP (network, timeout) rather than an answer from it. */
function isTransportFailure(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) return true;
  }
  return false;
}

/**
 * OpenID Connect login with the authorization code flow: PKCE (S256), `state` and `nonce`,
 * all checked by openid-client. The pending login lives in Redis under the state, is taken
 * with GETDEL (a state, and so a callback, is good for one try) and expires after 10 minutes.
 * The state is also bound to the browser that started the login (the caller keeps it in a
 * cookie), so a callback URL sent to someone else's browser signs nobody in (login CSRF).
 */
@Injectable()
export class OidcLoginService {
  private readonly logger = new Logger(OidcLoginService.name);

  constructor(
    private readonly registry: OidcProviderRegistry,
    private readonly redis: RedisService,
    private readonly linker: OidcAccountLinker,
    private readonly sessions: SessionsService,
  ) {}

  async begin(provider: string, mode: OidcSessionMode): Promise<OidcLoginStart> {
    const client = await this.registry.client(provider);
    const state = oidc.randomState();
    const pending: PendingLogin = {
      provider: client.name,
      mode,
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    try {
      await this.redis.client.set(pendingKey(state), JSON.stringify(pending), 'EX', OIDC_LOGIN_TTL_SECONDS);
    } catch (error) {
      throw new DomainError('unavailable', 'Sign-in through an OpenID provider is unavailable; retry shortly.', {
        retryAfterSeconds: 5,
        cause: error,
      });
    }
    const authorizationUrl = oidc.buildAuthorizationUrl(client.configuration, {
      redirect_uri: client.redirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { authorizationUrl: authorizationUrl.href, state };
  }

  /**
   * Finishes the login from the callback's query: the state must be the browser's and still
   * pending; the code is exchanged with the PKCE verifier; the ID token's signature, issuer,
   * audience, expiry and nonce are verified; then the account is found, linked or created, and
   * a session of the kind chosen at the start is opened (method `oidc:<provider>`).
   */
  async complete(
    provider: string,
    callbackQuery: URLSearchParams,
    browserState: string | undefined,
  ): Promise<OidcLoginResult> {
    const client = await this.registry.client(provider);
    const state = callbackQuery.get('state') ?? '';
    if (!STATE_PATTERN.test(state)) throw refused('The sign-in response carries no valid state.');
    if (!browserState || !sameSecret(state, browserState)) {
      throw refused('The sign-in response does not belong to this browser; start the sign-in again.');
    }
    const pending = await this.take(state);
    if (!pending || pending.provider !== client.name) {
      throw refused('The sign-in has expired, was already used or is unknown; start the sign-in again.');
    }

    // openid-client takes the redirect URI sent to the token endpoint from this URL, so it is
    // rebuilt from PUBLIC_API_URL: behind a proxy the URL the api sees differs from the registered one.
    const currentUrl = new URL(client.redirectUri);
    currentUrl.search = callbackQuery.toString();
    const claims = await this.exchange(client.configuration, currentUrl, state, pending);
    const { userId, created } = await this.linker.link(client.name, claims);
    const session = await this.sessions.open(userId, { kind: pending.mode, method: `oidc:${client.name}` });
    return { userId, provider: client.name, created, session };
  }

  private async take(state: string): Promise<PendingLogin | undefined> {
    let raw: string | null;
    try {
      raw = await this.redis.client.getdel(pendingKey(state));
    } catch (error) {
      throw new DomainError('unavailable', 'Sign-in through an OpenID provider is unavailable; retry shortly.', {
        retryAfterSeconds: 5,
        cause: error,
      });
    }
    if (raw === null) return undefined;
    const parsed: unknown = JSON.parse(raw);
    return isPendingLogin(parsed) ? parsed : undefined;
  }

  private async exchange(
    configuration: oidc.Configuration,
    currentUrl: URL,
    state: string,
    pending: PendingLogin,
  ): Promise<OidcClaims> {
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        expectedState: state,
        expectedNonce: pending.nonce,
        pkceCodeVerifier: pending.codeVerifier,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw refused('The identity provider returned no ID token.');
      // Many providers (oidc-provider among them) put scope claims such as email only in the
      // UserInfo response when an access token is issued; its `sub` must match the ID token's,
      // and where both name a claim the signed ID token wins.
      const needsUserInfo = idToken.email === undefined || idToken.email_verified === undefined;
      if (!needsUserInfo || !configuration.serverMetadata().userinfo_endpoint) return { ...idToken };
      const userInfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
      return { ...userInfo, ...idToken };
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Every way the exchange can fail becomes a typed refusal (or a 503 when the IdP is unreachable). */
  private translate(error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    if (error instanceof oidc.AuthorizationResponseError) {
      return refused(`The identity provider refused the sign-in (${error.error}).`, error);
    }
    if (error instanceof oidc.ResponseBodyError) {
      if (error.status >= 500) {
        return new DomainError('unavailable', 'The identity provider failed; retry shortly.', {
          retryAfterSeconds: 5,
          cause: error,
        });
      }
      if (error.error === 'invalid_grant') {
        return refused(
          'The authorization code is invalid, expired or was already used; start the sign-in again.',
          error,
        );
      }
      return refused(`The identity provider refused the code exchange (${error.error}).`, error);
    }
    if (isTransportFailure(error)) {
      return new DomainError('unavailable', 'The identity provider cannot be reached; retry shortly.', {
        retryAfterSeconds: 5,
        cause: error,
      });
    }
    // ClientError and the rest: a response that failed validation (nonce, signature, issuer,
    // audience, expiry, iss parameter...). The detail goes to the log, not to the caller.
    this.logger.warn({ err: error }, 'OpenID sign-in response rejected');
    return refused('The identity provider response failed validation; start the sign-in again.', error);
  }
}
