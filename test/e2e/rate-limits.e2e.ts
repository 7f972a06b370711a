import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AUTH_REQUESTS_PER_MINUTE } from '@groundwork/platform';
import { AppProcess } from '../support/app-process.js';
import { RedisServer } from '../support/redis-server.js';
import { eventually } from '../support/wait.js';
import { rawRequest, type RawResponse } from './http-client.js';

/**
 * Rate limits through the built api (docs/request-lifecycle.md, rate limits). The `default` policy
 * is seen on GET /.well-known/jwks.json, a public route on that policy; the `auth` policy on
 * POST /v1/auth/verify-email with an invalid body: the guard counts the request before
 * validation answers 422.
 */
const QUOTA = 5;
const PROBE = '/.well-known/jwks.json';

/** A fresh documentation address per use: with TRUST_PROXY, each one is a client with its own bucket. */
function clientAddress(): string {
  const [a, b] = randomBytes(2);
  return `198.51.${a}.${b}`;
}

/** Each api process counts under its own key prefix (inside the run's), so processes never share buckets. */
function ownKeyPrefix(): string {
  return `${process.env.REDIS_KEY_PREFIX ?? 'gwtest_local'}:rl-e2e-${randomBytes(3).toString('hex')}`;
}

function get(url: string, forwardedFor?: string): Promise<RawResponse> {
  return rawRequest(url, { headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {} });
}

/** `"default";r=4;t=60` → { policy, r, t } (fails the test on any other syntax). */
function parseRateLimit(value: string | string[] | undefined): { policy: string; r: number; t: number } {
  const match = /^"([a-z-]+)";r=(\d+);t=(\d+)$/.exec(String(value));
  if (!match) throw new Error(`RateLimit header not in the draft's syntax: ${String(value)}`);
  return { policy: match[1] ?? '', r: Number(match[2]), t: Number(match[3]) };
}

async function exhaust(url: string, forwardedFor?: string): Promise<RawResponse[]> {
  const answers: RawResponse[] = [];
  for (let i = 0; i < QUOTA; i += 1) answers.push(await get(url, forwardedFor));
  return answers;
}

describe('rate limits of the api, behind a trusted proxy (TRUST_PROXY=loopback)', () => {
  let api: AppProcess;

  beforeAll(async () => {
    api = await AppProcess.start('api', {
      waitFor: 'ready',
      env: { TRUST_PROXY: 'loopback', RATE_LIMIT_PER_MINUTE: String(QUOTA), REDIS_KEY_PREFIX: ownKeyPrefix() },
    });
  });

  afterAll(async () => {
    await api?.kill();
  });

  it('puts RateLimit-Policy and RateLimit, in the structured-field syntax, on a normal response', async () => {
    const res = await get(`${api.url}${PROBE}`, clientAddress());

    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe(`"default";q=${QUOTA};w=60`);
    const state = parseRateLimit(res.headers['ratelimit']);
    expect(state).toMatchObject({ policy: 'default', r: QUOTA - 1 });
    expect(state.t).toBeGreaterThanOrEqual(59);
    expect(state.t).toBeLessThanOrEqual(60);
  });

  it('answers 429 problem+json with Retry-After and the RateLimit headers once the quota is used up', async () => {
    const client = clientAddress();

    const admitted = await exhaust(`${api.url}${PROBE}`, client);
    const refused = await get(`${api.url}${PROBE}`, client);

    expect(admitted.map((res) => res.status)).toEqual(Array(QUOTA).fill(200));
    expect(admitted.map((res) => parseRateLimit(res.headers['ratelimit']).r)).toEqual([4, 3, 2, 1, 0]);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(refused.body) as { status: number; type: string; detail: string; instance: string };
    expect(problem).toMatchObject({
      status: 429,
      type: 'https://groundwork.dev/problems/rate-limited',
      instance: PROBE,
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-policy']).toBe(`"default";q=${QUOTA};w=60`);
    expect(parseRateLimit(refused.headers['ratelimit'])).toEqual({ policy: 'default', r: 0, t: retryAfter });
  });

  it('gives two different X-Forwarded-For clients of a trusted proxy separate buckets', async () => {
    const [first, second] = [clientAddress(), clientAddress()];

    await exhaust(`${api.url}${PROBE}`, first);
    const firstAgain = await get(`${api.url}${PROBE}`, first);
    const other = await get(`${api.url}${PROBE}`, second);

    expect(firstAgain.status).toBe(429);
    expect(other.status).toBe(200);
    expect(parseRateLimit(other.headers['ratelimit']).r).toBe(QUOTA - 1);
  });

  it('counts auth routes under the auth policy, a fixed quota per minute per IP whatever RATE_LIMIT_PER_MINUTE says', async () => {
    const client = clientAddress();
    const verify = () =>
      rawRequest(`${api.url}/v1/auth/verify-email`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
        body: '{}',
      });

    const first = await verify();
    const rest: RawResponse[] = [];
    for (let batch = 0; batch < AUTH_REQUESTS_PER_MINUTE / 10; batch += 1) {
      rest.push(...(await Promise.all(Array.from({ length: 10 }, verify))));
    }

    expect(first.status).toBe(422);
    expect(first.headers['ratelimit-policy']).toBe(`"auth";q=${AUTH_REQUESTS_PER_MINUTE};w=60`);
    expect(parseRateLimit(first.headers['ratelimit'])).toMatchObject({
      policy: 'auth',
      r: AUTH_REQUESTS_PER_MINUTE - 1,
    });
    expect(rest.filter((res) => res.status === 422)).toHaveLength(AUTH_REQUESTS_PER_MINUTE - 1);
    const refused = rest.filter((res) => res.status === 429);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.headers['retry-after']).toMatch(/^\d+$/);
    expect(parseRateLimit(refused[0]?.headers['ratelimit'])).toMatchObject({ policy: 'auth', r: 0 });
  });

  it('never limits the health probes or the metrics port, however often they are called', async () => {
    const client = clientAddress();
    const answers: RawResponse[] = [];
    for (let i = 0; i < QUOTA * 3; i += 1) {
      answers.push(
        await get(`${api.url}/health/live`, client),
        await get(`${api.url}/health/ready`, client),
        await get(`${api.metricsUrl}/metrics`, client),
      );
    }

    expect(answers.filter((res) => res.status !== 200)).toEqual([]);
    expect(answers.filter((res) => res.headers['ratelimit'] !== undefined)).toEqual([]);
    // Probes did not use up the caller's quota either.
    expect((await get(`${api.url}${PROBE}`, client)).status).toBe(200);
    expect(answers.at(-1)?.body).toContain('# TYPE groundwork_rate_limit_decisions_total counter');
  });
});

describe('rate limits of the api without a trusted proxy (TRUST_PROXY unset)', () => {
  let api: AppProcess;

  beforeAll(async () => {
    api = await AppProcess.start('api', {
      env: { TRUST_PROXY: '', RATE_LIMIT_PER_MINUTE: String(QUOTA), REDIS_KEY_PREFIX: ownKeyPrefix() },
    });
  });

  afterAll(async () => {
    await api?.kill();
  });

  it('ignores a spoofed X-Forwarded-For: a new address does not buy a fresh bucket', async () => {
    await exhaust(`${api.url}${PROBE}`, clientAddress());

    const spoofed = await get(`${api.url}${PROBE}`, clientAddress());
    const plain = await get(`${api.url}${PROBE}`);

    expect(spoofed.status).toBe(429);
    expect(plain.status).toBe(429);
    expect(parseRateLimit(spoofed.headers['ratelimit'])).toMatchObject({ policy: 'default', r: 0 });
  });
});

describe('rate limits of the api while Redis is down (docs/architecture.md, health)', () => {
  let redis: RedisServer;
  let api: AppProcess;

  beforeAll(async () => {
    redis = await RedisServer.start();
    api = await AppProcess.start('api', {
      waitFor: 'ready',
      env: { REDIS_URL: redis.url, TRUST_PROXY: 'loopback', RATE_LIMIT_PER_MINUTE: String(QUOTA) },
    });
  });

  afterAll(async () => {
    await api?.kill();
    await redis?.stop();
  });

  it('keeps limiting from per-instance memory, logs the switch once and counts the fallback decisions in /metrics', async () => {
    await redis.stop();
    // Readiness reports Redis down once this instance has noticed; the api stays ready (degraded).
    await eventually(async () => {
      const res = await get(`${api.url}/health/ready`);
      return res.status === 200 && res.body.includes('"degraded"');
    });
    const client = clientAddress();

    const admitted = await exhaust(`${api.url}${PROBE}`, client);
    const refused = await get(`${api.url}${PROBE}`, client);
    const metrics = await get(`${api.metricsUrl}/metrics`);

    expect(admitted.map((res) => res.status)).toEqual(Array(QUOTA).fill(200));
    expect(admitted.map((res) => parseRateLimit(res.headers['ratelimit']).r)).toEqual([4, 3, 2, 1, 0]);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    const fromMemory = (decision: string) =>
      metrics.body.split('\n').find((line) => {
        const series = line.split(' ')[0] ?? '';
        return (
          series.startsWith('groundwork_rate_limit_decisions_total{') &&
          series.includes('policy="default"') &&
          series.includes('store="memory"') &&
          series.includes(`decision="${decision}"`)
        );
      });
    expect(fromMemory('allowed')).toMatch(/ 5$/);
    expect(fromMemory('limited')).toMatch(/ 1$/);
    const switches = api.logs
      .split('\n')
      .filter((line) => line.includes('rate limits fall back to per-instance memory'));
    expect(switches).toHaveLength(1);
  });
});
