import { Injectable } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import { UNLIMITED } from './counter-store.js';
import { RateLimitCounters } from './rate-limit-counters.js';
import { LOGIN_ATTEMPT_LIMITS } from './rate-limit.policies.js';
import { secondsUntil } from './rate-limiter.js';

export interface LoginAttempt {
  /**
   * Opaque: the caller passes a hash of the normalized email, so a registered and an unknown
   * email are counted (and refused) exactly alike and no address reaches Redis.
   */
  account: string;
  ip: string;
}

const ACCOUNT_WINDOW_MS = LOGIN_ATTEMPT_LIMITS.account.windowSeconds * 1000;
const IP_WINDOW_MS = LOGIN_ATTEMPT_LIMITS.ip.windowSeconds * 1000;

/**
 * Brute-force protection of sign-in: counts only failures, per account and per IP, and refuses
 * further attempts once either is exhausted — before the password is checked, so a refused
 * guess costs no argon2 work and reveals nothing. Shares the counters (and their Redis-down
 * fallback) with the request rate limits.
 */
@Injectable()
export class LoginAttemptLimiter {
  constructor(private readonly counters: RateLimitCounters) {}

  /** Throws `rate_limited` (with retryAfterSeconds) while the account or the IP has no attempts left. */
  async assertAllowed(attempt: LoginAttempt): Promise<void> {
    const [account, ip] = await Promise.all([
      this.counters.increment('login-account', this.accountKey(attempt.account), ACCOUNT_WINDOW_MS, 0),
      this.counters.increment('login-ip', this.ipKey(attempt.ip), IP_WINDOW_MS, 0),
    ]);
    const waits = [
      ...(account.count >= LOGIN_ATTEMPT_LIMITS.account.limit ? [account.resetMs] : []),
      ...(ip.count >= LOGIN_ATTEMPT_LIMITS.ip.limit ? [ip.resetMs] : []),
    ];
    if (waits.length === 0) return;
    const retryAfterSeconds = secondsUntil(Math.max(...waits));
    throw new DomainError('rate_limited', `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
    });
  }

  async recordFailure(attempt: LoginAttempt): Promise<void> {
    await Promise.all([
      this.counters.increment('login-account', this.accountKey(attempt.account), ACCOUNT_WINDOW_MS, UNLIMITED),
      this.counters.increment('login-ip', this.ipKey(attempt.ip), IP_WINDOW_MS, UNLIMITED),
    ]);
  }

  /**
   * After a successful sign-in: the account's failures are forgiven. The IP's are not — one
   * valid account of an attacker must not reset the spraying counter of its address.
   */
  async reset(account: string): Promise<void> {
    await this.counters.delete(this.accountKey(account));
  }

  private accountKey(account: string): string {
    return `rl:login-account:${account}`;
  }

  private ipKey(ip: string): string {
    return `rl:login-ip:${ip}`;
  }
}
