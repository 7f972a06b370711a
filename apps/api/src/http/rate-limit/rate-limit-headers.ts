import type { RateLimitDecision, RateLimitPolicy } from '@groundwork/platform';

/**
 * The response headers of draft-ietf-httpapi-ratelimit-headers, as structured fields: a list
 * item per policy, the policy name as an sf-string, quota `q` and window `w` in seconds for the
 * policy; remaining `r` and seconds to reset `t` for the current state.
 */
export const RATE_LIMIT_POLICY_HEADER = 'RateLimit-Policy';
export const RATE_LIMIT_HEADER = 'RateLimit';

/** `"default";q=600;w=60` */
export function formatRateLimitPolicy(policy: Pick<RateLimitPolicy, 'name' | 'limit' | 'windowSeconds'>): string {
  return `${sfString(policy.name)};q=${policy.limit};w=${policy.windowSeconds}`;
}

/** `"default";r=597;t=42` */
export function formatRateLimit(decision: Pick<RateLimitDecision, 'policy' | 'remaining' | 'resetSeconds'>): string {
  return `${sfString(decision.policy)};r=${decision.remaining};t=${decision.resetSeconds}`;
}

/** An RFC 8941 sf-string: quoted, with `\` and `"` escaped (policy names are code, but stay valid anyway). */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}
