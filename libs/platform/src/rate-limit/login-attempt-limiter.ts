import { Injectable } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
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
 * Brute-force protection of sign-in, per account and per IP. Each attempt first *reserves* a
 * guess — one atomic increment that refuses once the window is full — and only then is the
 * password checked: a parallel burst cannot slip in between a read of the counter and the
 * write of its failure, so an account gets exactly its limit of guesses however many arrive at
 * once, and a refused guess costs no argon2 work and reveals nothing. A success takes its
 * reservation back (`succeeded`): the account's failures are forgiven, the address's budget is
 * not spent by valid sign-ins. Shares the counters (and their Redis-down fallback) with the
 * request rate limits.
 */
@Injectable()
export class LoginAttemptLimiter {
  constructor(private readonly counters: RateLimitCounters) {}

  /**
   * Reserves one guess for the account and the IP, or throws `rate_limited` (with
   * retryAfterSeconds) when either has none left. The address is reserved first: a refusal for
   * the account then spends only the address's budget, never the account's.
   */
  async reserve(attempt: LoginAttempt): Promise<void> {
    const ip = await this.counters.increment(
      'login-ip',
      this.ipKey(attempt.ip),
      IP_WINDOW_MS,
      LOGIN_ATTEMPT_LIMITS.ip.limit,
    );
    if (!ip.added) throw refusal(ip.resetMs);
    const account = await this.counters.increment(
      'login-account',
      this.accountKey(attempt.account),
      ACCOUNT_WINDOW_MS,
      LOGIN_ATTEMPT_LIMITS.account.limit,
    );
    if (!account.added) throw refusal(account.resetMs);
  }

  /**
   * After a successful sign-in: the account's failures are forgiven and the address gets its
   * reservation back. The address's earlier failures stay — one valid account of an attacker
   * must not reset the spraying counter of its address.
   */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await Promise.all([
      this.counters.delete(this.accountKey(attempt.account)),
      this.counters.decrement(this.ipKey(attempt.ip)),
    ]);
  }

  private accountKey(account: string): string {
    return `rl:login-account:${account}`;
  }

  private ipKey(ip: string): string {
    return `rl:login-ip:${ip}`;
  }
}

function refusal(resetMs: number): DomainError {
  const retryAfterSeconds = secondsUntil(resetMs);
  return new DomainError('rate_limited', `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
  });
}
