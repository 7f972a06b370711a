import { Injectable, Logger } from '@nestjs/common';
import {
  AuditTrail,
  DomainError,
  isUuid,
  newId,
  type Prisma,
  PrismaService,
  RequestContext,
} from '@groundwork/platform';
import { ACCESS_TOKEN_TTL_SECONDS, AccessTokens } from '../tokens/access-tokens.js';
import { hashToken, looksLikeOpaqueToken, newOpaqueToken } from '../tokens/opaque-token.js';
import { COOKIE_SESSION_ABSOLUTE_SECONDS, CookieSessions } from './cookie-sessions.js';
import { type SessionStatus, SessionStatusCache } from './session-status.cache.js';

/** A bearer session lives as long as its refresh tokens are used within this span. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 86_400;
/** How long an instance may trust its memory that a session is active (revocation bound: 5 s). */
export const SESSION_STATUS_TTL_MS = 2_000;

export type LoginMethod = 'password' | `oidc:${string}`;

export interface OpenSessionOptions {
  kind: 'bearer' | 'cookie';
  method: LoginMethod;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

export type OpenedSession =
  | { kind: 'bearer'; sessionId: string; tokens: TokenPair }
  | { kind: 'cookie'; sessionId: string; cookieId: string; csrfToken: string; maxAgeSeconds: number };

export type RevokeReason = 'logout' | 'password_reset' | 'refresh_token_reused' | 'unverified_account_claimed';

type Db = Prisma.TransactionClient | PrismaService;

const unauthenticated = () => new DomainError('unauthenticated', 'The refresh token is invalid, expired or revoked.');

/**
 * Sessions: one per login, the `sid` of its access tokens. Bearer sessions carry a family of
 * rotating refresh tokens; cookie sessions keep their state in Redis. Revoking the session
 * ends every credential it issued.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  private readonly status = new SessionStatusCache(SESSION_STATUS_TTL_MS);

  constructor(
    private readonly prisma: PrismaService,
    private readonly tokens: AccessTokens,
    private readonly cookies: CookieSessions,
    private readonly audit: AuditTrail,
  ) {}

  async open(userId: string, options: OpenSessionOptions, now = new Date()): Promise<OpenedSession> {
    const sessionId = newId();
    const lifetime = options.kind === 'bearer' ? REFRESH_TOKEN_TTL_SECONDS : COOKIE_SESSION_ABSOLUTE_SECONDS;
    const client = this.clientFromContext();
    // The cookie state goes to Redis first: if Redis is down the login fails with 503 and no
    // orphan session row is left behind.
    const cookie = options.kind === 'cookie' ? await this.cookies.create(sessionId, userId, now.getTime()) : undefined;
    const refreshToken = options.kind === 'bearer' ? newOpaqueToken() : undefined;
    await this.prisma.$transaction(async (tx) => {
      await tx.authSession.create({
        data: {
          id: sessionId,
          userId,
          kind: options.kind,
          method: options.method,
          ip: client.ip,
          userAgent: client.userAgent,
          expiresAt: new Date(now.getTime() + lifetime * 1000),
        },
      });
      if (refreshToken) await this.storeRefreshToken(tx, sessionId, refreshToken, now);
      await this.audit.record(
        { action: 'login.succeeded', userId, actorId: userId, details: { method: options.method, kind: options.kind } },
        tx,
      );
    });
    if (cookie) {
      return { kind: 'cookie', sessionId, ...cookie, maxAgeSeconds: COOKIE_SESSION_ABSOLUTE_SECONDS };
    }
    return { kind: 'bearer', sessionId, tokens: this.pair(userId, sessionId, refreshToken as string) };
  }

  /**
   * Rotates a refresh token: the presented one dies, a new pair is returned. Presenting a
   * token that was already rotated means it leaked (or the client raced itself): the whole
   * family is revoked and the account's trail records it.
   */
  async refresh(refreshToken: string, now = new Date()): Promise<TokenPair> {
    if (!looksLikeOpaqueToken(refreshToken)) throw unauthenticated();
    const outcome = await this.prisma.$transaction(async (tx) => {
      const stored = await tx.refreshToken.findUnique({
        where: { tokenHash: hashToken(refreshToken) },
        include: { session: true },
      });
      if (!stored) return { kind: 'unknown' as const };
      const { session } = stored;
      if (session.revokedAt !== null || session.expiresAt <= now || stored.expiresAt <= now) {
        return { kind: 'dead' as const };
      }
      // The conditional update is the check: of two concurrent uses, exactly one rotates.
      const rotated =
        stored.rotatedAt === null
          ? await tx.refreshToken.updateMany({ where: { id: stored.id, rotatedAt: null }, data: { rotatedAt: now } })
          : { count: 0 };
      if (rotated.count === 0) {
        await this.revokeIn(tx, session.id, 'refresh_token_reused', now);
        await this.audit.record(
          { action: 'refresh_token.reused', userId: session.userId, actorId: null, details: { sessionId: session.id } },
          tx,
        );
        return { kind: 'reused' as const, sessionId: session.id };
      }
      const next = newOpaqueToken();
      await this.storeRefreshToken(tx, session.id, next, now);
      return { kind: 'rotated' as const, userId: session.userId, sessionId: session.id, next };
    });
    switch (outcome.kind) {
      case 'rotated':
        return this.pair(outcome.userId, outcome.sessionId, outcome.next);
      case 'reused':
        this.status.forget(outcome.sessionId);
        this.logger.warn({ sessionId: outcome.sessionId }, 'refresh token reused: session revoked');
        throw unauthenticated();
      case 'unknown':
      case 'dead':
        throw unauthenticated();
      default: {
        const unreachable: never = outcome;
        throw new Error(`unhandled refresh outcome ${String(unreachable)}`);
      }
    }
  }

  /**
   * Whether the session is live and belongs to `userId` (a token's `sub` must match its `sid`:
   * one session cannot vouch for another account). Cached ≤ 2 s per instance.
   */
  async isActiveFor(sessionId: string, userId: string, now = new Date()): Promise<boolean> {
    const status = await this.lookupStatus(sessionId, now);
    return status.active && status.userId === userId;
  }

  /** Whether the session is still live, whoever it belongs to. */
  async isActive(sessionId: string, now = new Date()): Promise<boolean> {
    return (await this.lookupStatus(sessionId, now)).active;
  }

  private async lookupStatus(sessionId: string, now: Date): Promise<SessionStatus> {
    const known = this.status.get(sessionId, now.getTime());
    if (known !== undefined) return known;
    const session = isUuid(sessionId)
      ? await this.prisma.authSession.findUnique({
          where: { id: sessionId },
          select: { userId: true, revokedAt: true, expiresAt: true },
        })
      : null;
    const status: SessionStatus =
      session !== null && session.revokedAt === null && session.expiresAt > now
        ? { active: true, userId: session.userId }
        : { active: false };
    this.status.set(sessionId, status, now.getTime());
    return status;
  }

  async revoke(sessionId: string, reason: RevokeReason, now = new Date()): Promise<void> {
    await this.revokeIn(this.prisma, sessionId, reason, now);
    this.status.forget(sessionId);
  }

  /** Ends every session of a user (password reset, account deletion), inside the caller's transaction. */
  async revokeAllOfUser(db: Db, userId: string, reason: RevokeReason, now = new Date()): Promise<void> {
    await db.authSession.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: now, revokeReason: reason },
    });
    await db.refreshToken.deleteMany({ where: { session: { userId } } });
  }

  /** Logs a cookie session out: the Redis state goes at once, the session row is revoked. */
  async endCookieSession(cookieId: string, sessionId: string): Promise<void> {
    await this.cookies.destroy(cookieId);
    await this.revoke(sessionId, 'logout');
  }

  private async revokeIn(db: Db, sessionId: string, reason: RevokeReason, now: Date): Promise<void> {
    await db.authSession.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: now, revokeReason: reason },
    });
    await db.refreshToken.deleteMany({ where: { sessionId, rotatedAt: null } });
  }

  private async storeRefreshToken(db: Db, sessionId: string, token: string, now: Date): Promise<void> {
    await db.refreshToken.create({
      data: {
        id: newId(),
        sessionId,
        tokenHash: hashToken(token),
        expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000),
      },
    });
  }

  private pair(userId: string, sessionId: string, refreshToken: string): TokenPair {
    return {
      accessToken: this.tokens.sign({ sub: userId, sid: sessionId }),
      refreshToken,
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      tokenType: 'Bearer',
    };
  }

  private clientFromContext(): { ip?: string; userAgent?: string } {
    const client = RequestContext.current()?.client;
    return { ip: client?.ip?.slice(0, 45), userAgent: client?.userAgent };
  }
}
