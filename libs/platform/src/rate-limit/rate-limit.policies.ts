import type { AppConfig } from '../config/app-config.js';

/**
 * The request policies: a route can name one (`@RateLimit('auth')`), routes that name none use
 * `default`. A WebSocket upgrade, which no route handles, counts as a request of its principal
 * under `default`, and one without valid credentials under `realtime-upgrade-refused`.
 */
export type RateLimitPolicyName = 'default' | 'auth' | 'realtime-upgrade-refused';

export interface RateLimitPolicy {
  name: RateLimitPolicyName;
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
  /**
   * What a counter belongs to: `caller` counts a signed-in principal (user or API key) on its
   * own and an anonymous request per client IP; `ip` always counts per client IP.
   */
  keyedBy: 'caller' | 'ip';
}

/** A counter of failures that locks out further attempts once exhausted. */
export interface AttemptLimit {
  limit: number;
  windowSeconds: number;
}

/**
 * Requests per minute per client address on the auth routes. Generous enough for a shared NAT
 * or a busy test suite signing many people up; guessing passwords is stopped by the much
 * tighter failed-login limits below, which count per account.
 */
export const AUTH_REQUESTS_PER_MINUTE = 300;

/**
 * WebSocket upgrades without valid credentials per minute from one address (ticket or token
 * guessing). Fixed in code like the auth limits.
 */
export const REFUSED_UPGRADES_PER_MINUTE = 60;

/**
 * Every rate-limit policy of the product, in one place. Only the general quota is an
 * operator setting (RATE_LIMIT_PER_MINUTE); the auth limits are part of the security design
 * and fixed in code, so a misconfiguration cannot open the door to credential stuffing.
 */
export function rateLimitPolicies(config: AppConfig): Readonly<Record<RateLimitPolicyName, RateLimitPolicy>> {
  return {
    default: { name: 'default', limit: config.rateLimit.perMinute, windowSeconds: 60, keyedBy: 'caller' },
    // Auth routes are reached before there is a principal, and are what attackers hammer.
    auth: { name: 'auth', limit: AUTH_REQUESTS_PER_MINUTE, windowSeconds: 60, keyedBy: 'ip' },
    'realtime-upgrade-refused': {
      name: 'realtime-upgrade-refused',
      limit: REFUSED_UPGRADES_PER_MINUTE,
      windowSeconds: 60,
      keyedBy: 'ip',
    },
  };
}

/**
 * Failed sign-ins. Per account: a handful of guesses, then the account's attempts pause (slows
 * guessing one password). Per IP: more, for shared NATs, but it stops one client spraying many
 * accounts (credential stuffing).
 */
export const LOGIN_ATTEMPT_LIMITS = {
  account: { limit: 5, windowSeconds: 15 * 60 },
  ip: { limit: 100, windowSeconds: 15 * 60 },
} as const satisfies Record<'account' | 'ip', AttemptLimit>;

/**
 * Limits the services count themselves, keyed by what they protect rather than by who calls:
 * pings per webhook endpoint, redeliveries per workspace, and the mails anyone can cause for an
 * address (verification, reset, "account exists" notice) per recipient and kind — beyond them a
 * request answers as before and sends nothing more.
 */
export const ACTION_LIMITS = {
  'webhook-ping': { limit: 10, windowSeconds: 60 },
  'webhook-redelivery': { limit: 60, windowSeconds: 60 },
  'mail-recipient': { limit: 3, windowSeconds: 60 * 60 },
} as const satisfies Record<string, AttemptLimit>;

export type ActionLimitName = keyof typeof ACTION_LIMITS;
