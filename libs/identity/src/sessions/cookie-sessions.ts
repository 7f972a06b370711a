import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, RedisService } from '@groundwork/platform';
import { newOpaqueToken } from '../tokens/opaque-token.js';

export const COOKIE_SESSION_IDLE_SECONDS = 30 * 60;
export const COOKIE_SESSION_ABSOLUTE_SECONDS = 12 * 3600;

/** The server side of a cookie session, kept in Redis under the cookie's value. */
export interface CookieSession {
  sessionId: string;
  userId: string;
  csrfToken: string;
  /** Epoch ms after which the session ends, however active it is. */
  absoluteExpiresAt: number;
}

const COOKIE_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Browser sessions. The cookie holds only a random id, created fresh at every login (a
 * session id chosen by anyone else is never adopted: no fixation). Each use slides the idle
 * timeout; the absolute timeout never moves. Redis down → 503, not a silent logout.
 */
@Injectable()
export class CookieSessions {
  constructor(private readonly redis: RedisService) {}

  async create(sessionId: string, userId: string, now = Date.now()): Promise<{ cookieId: string; csrfToken: string }> {
    const cookieId = newOpaqueToken();
    const session: CookieSession = {
      sessionId,
      userId,
      csrfToken: newOpaqueToken(),
      absoluteExpiresAt: now + COOKIE_SESSION_ABSOLUTE_SECONDS * 1000,
    };
    await this.guard(() =>
      this.redis.client.set(this.key(cookieId), JSON.stringify(session), 'EX', COOKIE_SESSION_IDLE_SECONDS),
    );
    return { cookieId, csrfToken: session.csrfToken };
  }

  /** The live session of a cookie value, its idle timeout renewed; undefined if none. */
  async resolve(cookieId: string, now = Date.now()): Promise<CookieSession | undefined> {
    if (!COOKIE_ID.test(cookieId)) return undefined;
    const key = this.key(cookieId);
    const raw = await this.guard(() => this.redis.client.get(key));
    if (raw === null) return undefined;
    const session = JSON.parse(raw) as CookieSession;
    const remaining = Math.floor((session.absoluteExpiresAt - now) / 1000);
    if (remaining <= 0) {
      await this.guard(() => this.redis.client.del(key));
      return undefined;
    }
    await this.guard(() => this.redis.client.expire(key, Math.min(COOKIE_SESSION_IDLE_SECONDS, remaining)));
    return session;
  }

  async destroy(cookieId: string): Promise<void> {
    if (!COOKIE_ID.test(cookieId)) return;
    await this.guard(() => this.redis.client.del(this.key(cookieId)));
  }

  /** Constant-time comparison of the X-CSRF-Token header with the session's token. */
  static csrfMatches(session: CookieSession, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const expected = Buffer.from(session.csrfToken);
    const actual = Buffer.from(presented);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private key(cookieId: string): string {
    return `session:${cookieId}`;
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new DomainError('unavailable', 'Sessions are temporarily unavailable.', {
        retryAfterSeconds: 5,
        cause: error,
      });
    }
  }
}
