import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LoginAttempt, LOGIN_ATTEMPT_LIMITS, type LoginAttemptLimiter } from '@groundwork/platform';
import { type LimiterInstance, limiterInstance } from './limiter-instance.js';

/** What the identity code passes: a hash of the normalized email, never the address itself. */
function accountOf(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

function freshIp(): string {
  const [a, b] = randomBytes(2);
  return `10.${a}.${b}.${randomBytes(1)[0]}`;
}

/** Tries to sign in and fails, as the login flow does: the reservation is the failure's count. */
async function failedAttempt(logins: LoginAttemptLimiter, attempt: LoginAttempt): Promise<'refused' | 'failed'> {
  try {
    await logins.reserve(attempt);
  } catch (error) {
    expect(error).toMatchObject({ code: 'rate_limited' });
    return 'refused';
  }
  return 'failed';
}

describe('LoginAttemptLimiter on Redis', () => {
  let instance: LimiterInstance;

  beforeAll(async () => {
    instance = await limiterInstance();
  });

  afterAll(async () => {
    await instance.moduleRef.close();
  });

  it('refuses the 6th attempt on one account after 5 failures, with a Retry-After within the 15 min window', async () => {
    const attempt = { account: accountOf(`ada-${randomBytes(4).toString('hex')}@example.com`), ip: freshIp() };

    const outcomes = [];
    for (let i = 0; i < 5; i += 1) outcomes.push(await failedAttempt(instance.logins, attempt));
    const sixth = instance.logins.reserve(attempt);

    expect(outcomes).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    await expect(sixth).rejects.toMatchObject({ code: 'rate_limited' });
    const error = await sixth.then(
      () => undefined,
      (e: unknown) => e as { retryAfterSeconds?: number },
    );
    expect(error?.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(error?.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
  });

  it('treats an account string never seen before exactly like a known one (no enumeration through lockouts)', async () => {
    const registered = accountOf('known-user@example.com');
    const unknown = accountOf(`nobody-${randomBytes(6).toString('hex')}@example.com`);
    await instance.logins.succeeded({ account: registered, ip: freshIp() });

    const run = async (account: string) => {
      const ip = freshIp();
      const outcomes = [];
      for (let i = 0; i < 7; i += 1) outcomes.push(await failedAttempt(instance.logins, { account, ip }));
      return outcomes;
    };

    const expected = ['failed', 'failed', 'failed', 'failed', 'failed', 'refused', 'refused'];
    expect(await run(registered)).toEqual(expected);
    expect(await run(unknown)).toEqual(expected);
    await instance.logins.succeeded({ account: registered, ip: freshIp() });
  });

  it('refuses an IP after its failure limit, spread over many accounts, even for an account it never tried; other IPs go on', async () => {
    const ip = freshIp();
    for (let i = 0; i < LOGIN_ATTEMPT_LIMITS.ip.limit; i += 1) {
      expect(await failedAttempt(instance.logins, { account: accountOf(`spray-${i}-${ip}@example.com`), ip })).toBe(
        'failed',
      );
    }
    const untouchedAccount = accountOf(`fresh-${randomBytes(4).toString('hex')}@example.com`);

    await expect(instance.logins.reserve({ account: untouchedAccount, ip })).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: expect.any(Number),
    });
    await expect(instance.logins.reserve({ account: untouchedAccount, ip: freshIp() })).resolves.toBeUndefined();
  });

  it('a parallel burst on one account reserves exactly its limit, whatever the number of addresses', async () => {
    const account = accountOf(`burst-${randomBytes(4).toString('hex')}@example.com`);

    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => failedAttempt(instance.logins, { account, ip: freshIp() })),
    );

    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(LOGIN_ATTEMPT_LIMITS.account.limit);
  });

  it("a successful sign-in clears the account's failures, and gives back its own reservation of the IP", async () => {
    const account = accountOf(`grace-${randomBytes(4).toString('hex')}@example.com`);
    const ip = freshIp();
    for (let i = 0; i < 4; i += 1) await failedAttempt(instance.logins, { account, ip });
    await instance.logins.reserve({ account, ip });

    await instance.logins.succeeded({ account, ip });

    // The account starts again from 0; the IP keeps its four failures, not the success.
    for (let i = 0; i < 5; i += 1) expect(await failedAttempt(instance.logins, { account, ip })).toBe('failed');
    for (let i = 0; i < LOGIN_ATTEMPT_LIMITS.ip.limit - 9; i += 1) {
      expect(await failedAttempt(instance.logins, { account: accountOf(`other-${i}-${ip}`), ip })).toBe('failed');
    }
    expect(await failedAttempt(instance.logins, { account: accountOf(`last-${ip}`), ip })).toBe('refused');
  });
});
