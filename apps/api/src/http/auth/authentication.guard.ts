import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CookieSessions, SessionsService } from '@groundwork/identity';
import { DomainError, RequestContext } from '@groundwork/platform';
import { ApiKeyAuthenticator, looksLikeApiKey } from '@groundwork/workspaces';
import { RequestCacheVersions } from '../cache/request-cache-versions.js';
import { BearerTokenVerifier } from './bearer-token.verifier.js';
import type { Principal } from './principal.js';
import { type RequestAuth, setRequestAuth } from './request-auth.js';
import { SessionCookie } from './session-cookie.js';

interface HttpRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

const invalid = (why: string) => new DomainError('unauthenticated', why);

/**
 * The first guard: works out who is calling from whichever credential the request carries —
 * `Authorization: Bearer gw_…` (API key), `Authorization: Bearer <JWT>`, or the session
 * cookie — and records it on the request. It never refuses: the rate limiter counts the
 * caller next, then the access guard decides.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerTokenVerifier,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly sessions: SessionsService,
    private readonly cookies: CookieSessions,
    private readonly cookie: SessionCookie,
    private readonly adapterHost: HttpAdapterHost,
    private readonly versions: RequestCacheVersions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const auth = await this.resolve(request, context).catch((error: unknown): RequestAuth => {
      if (error instanceof DomainError) return { failure: error };
      throw error;
    });
    setRequestAuth(request, auth);
    if (auth.principal || auth.failure) this.markPrivate(context);
    if (auth.principal) {
      RequestContext.assign({ userId: auth.principal.kind === 'user' ? auth.principal.userId : undefined });
    }
    return true;
  }

  /**
   * A response to a request that carried a credential is about that caller: no shared cache
   * may store it, and the browser's copy must be revalidated (ETag → 304) before reuse. Set
   * here, before anything can fail, so refusals (401/403/404/429) carry it too; a route that
   * wants stricter (`no-store` on token answers) sets its own Cache-Control later, which
   * replaces this one.
   */
  private markPrivate(context: ExecutionContext): void {
    if (context.getType() !== 'http') return;
    const response = context.switchToHttp().getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Cache-Control', 'private, no-cache');
    adapter.appendHeader(response, 'Vary', 'Authorization, Cookie');
  }

  private async resolve(request: HttpRequest, context: ExecutionContext): Promise<RequestAuth> {
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && authorization.length > 0) {
      return { principal: await this.fromAuthorization(request, authorization, context) };
    }
    const cookieId = this.cookie.read(typeof request.headers.cookie === 'string' ? request.headers.cookie : undefined);
    if (cookieId !== undefined) return { principal: await this.fromCookie(request, cookieId) };
    return {};
  }

  private async fromAuthorization(
    request: HttpRequest,
    authorization: string,
    context: ExecutionContext,
  ): Promise<Principal> {
    const match = /^Bearer ([^\s]{1,4096})$/i.exec(authorization.trim());
    if (!match?.[1]) throw invalid('The Authorization header must be "Bearer <token>".');
    const token = match[1];
    if (looksLikeApiKey(token)) {
      // The creator's role is read through the request's loader of cache versions, which the
      // access guard and a cached read share (one Redis round trip for all of them).
      const key = await this.apiKeys.authenticate(token, new Date(), this.versions.of(context));
      if (!key) throw invalid('The API key is invalid, expired or revoked, or its creator has left the workspace.');
      return { kind: 'api_key', ...key };
    }
    const claims = await this.bearer.verify(request);
    if (!claims) throw invalid('The access token is invalid or expired.');
    if (!(await this.sessions.isActiveFor(claims.sid, claims.sub))) {
      throw invalid('The session of this access token has ended.');
    }
    return { kind: 'user', userId: claims.sub, sessionId: claims.sid, via: 'bearer' };
  }

  private async fromCookie(request: HttpRequest, cookieId: string): Promise<Principal> {
    const session = await this.cookies.resolve(cookieId);
    if (!session || !(await this.sessions.isActiveFor(session.sessionId, session.userId))) {
      throw invalid('The session has ended; sign in again.');
    }
    // A browser sends the cookie with any request to this origin, including forged ones; a
    // state-changing request must also prove it was made by our client (double submit).
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      const presented = request.headers[CSRF_HEADER];
      if (!CookieSessions.csrfMatches(session, typeof presented === 'string' ? presented : undefined)) {
        throw new DomainError('forbidden', 'The X-CSRF-Token header is missing or does not belong to this session.');
      }
    }
    return { kind: 'user', userId: session.userId, sessionId: session.sessionId, via: 'cookie' };
  }
}
