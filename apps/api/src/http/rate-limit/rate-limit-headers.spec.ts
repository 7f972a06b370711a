import { describe, expect, it } from '@jest/globals';
import { formatRateLimit, formatRateLimitPolicy } from './rate-limit-headers.js';

describe('rate-limit headers (IETF draft, structured fields)', () => {
  it('formats the policy as a quoted name with quota q and window w in seconds', () => {
    expect(formatRateLimitPolicy({ name: 'default', limit: 600, windowSeconds: 60 })).toBe('"default";q=600;w=60');
    expect(formatRateLimitPolicy({ name: 'auth', limit: 60, windowSeconds: 60 })).toBe('"auth";q=60;w=60');
  });

  it('formats the state as the quoted policy name with remaining r and seconds to reset t', () => {
    expect(formatRateLimit({ policy: 'default', remaining: 597, resetSeconds: 42 })).toBe('"default";r=597;t=42');
  });

  it('reports r=0 once the quota is used up', () => {
    expect(formatRateLimit({ policy: 'auth', remaining: 0, resetSeconds: 1 })).toBe('"auth";r=0;t=1');
  });
});
