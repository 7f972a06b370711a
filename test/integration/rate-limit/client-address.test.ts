import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { loadAppConfig, newId } from '@groundwork/platform';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';

const LIMIT = 5;
/** Requests each instance answers before a test's own (from other addresses, if trusted). */
const WARM_UP = 3;

/**
 * Which address an anonymous request is counted against (api in process, real Redis): the
 * `X-Forwarded-For` entry added by the last trusted hop, never one a client wrote itself, and
 * an IPv6 client's /64 — one host usually holds a whole /64, so it must not get 2^64 quotas.
 */
describe('client address of per-address rate limits', () => {
  const apps: INestApplication[] = [];

  async function start(trustProxy: string): Promise<string> {
    const app = await createApiApp(
      loadAppConfig('api', {
        ...process.env,
        LOG_LEVEL: 'error',
        TRUST_PROXY: trustProxy,
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'gwtest_local'}:client-address-${newId().slice(-8)}`,
      }),
    );
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}`;
    // The first requests of a fresh process load code lazily; a stall past the limiter's Redis
    // timeout would count them in process memory instead, and the test would measure that.
    for (let i = 0; i < WARM_UP; i += 1) await anonymous(url, `2001:db8:ffff:${i}::1`);
    return url;
  }

  /** An anonymous request to a default-policy route: 401, counted against the client address. */
  async function anonymous(url: string, forwardedFor?: string): Promise<number> {
    const response = await fetch(`${url}/v1/workspaces`, {
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    });
    await response.arrayBuffer();
    return response.status;
  }

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('counts every address of one IPv6 /64 against one quota, and another /64 against its own', async () => {
    const url = await start('loopback');
    const statuses: number[] = [];
    for (let i = 1; i <= LIMIT + 1; i += 1) statuses.push(await anonymous(url, `2001:db8:17:5::${i.toString(16)}`));
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), 429]);
    expect(await anonymous(url, '2001:db8:17:5:ffff:ffff:ffff:fffe')).toBe(429);
    expect(await anonymous(url, '2001:db8:17:6::1')).toBe(401);
    // An IPv4 client written as IPv4-mapped IPv6 is that IPv4 client.
    for (let i = 0; i < LIMIT; i += 1) expect(await anonymous(url, '192.0.2.44')).toBe(401);
    expect(await anonymous(url, '::ffff:192.0.2.44')).toBe(429);
  });

  it('takes the address the trusted hop appended, not the ones the client wrote before it', async () => {
    const url = await start('loopback');
    for (let i = 0; i < LIMIT; i += 1) expect(await anonymous(url, `10.9.9.${i}, 198.51.100.60`)).toBe(401);
    // A new spoofed first entry does not make a new client.
    expect(await anonymous(url, '10.9.9.200, 198.51.100.60')).toBe(429);
    expect(await anonymous(url, '198.51.100.61')).toBe(401);
  });

  it('ignores X-Forwarded-For from a peer that is not a configured hop', async () => {
    // The test connects from loopback, which this instance does not trust.
    const url = await start('10.0.0.0/24');
    // The warm-up's requests, whatever they claimed, were all loopback's.
    for (let i = WARM_UP; i < LIMIT; i += 1) expect(await anonymous(url, `198.51.100.${70 + i}`)).toBe(401);
    expect(await anonymous(url, '198.51.100.99')).toBe(429);
  });
});
