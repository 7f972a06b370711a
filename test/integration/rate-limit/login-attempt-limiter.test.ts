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

/** Tries to sign in and fails, as the login flow does: check, then record the failure. */
async function failedAttempt(logins: LoginAttemptLimiter, attempt: LoginAttempt): Promise<'refused' | 'failed'> {
  try {
    await logins.assertAllowed(attempt);
  } catch (error) {
    expect(error).toMatchObject({ code: 'rate_limited' });
    return 'refused';
  }
  await logins.recordFailure(attempt);
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
    const sixth = instance.logins.assertAllowed(attempt);

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
    await instance.logins.reset(registered);

    const run = async (account: string) => {
      const ip = freshIp();
      const outcomes = [];
      for (let i = 0; i < 7; i += 1) outcomes.push(await failedAttempt(instance.logins, { account, ip }));
      return outcomes;
    };

    const expected = ['failed', 'failed', 'failed', 'failed', 'failed', 'refused', 'refused'];
    expect(await run(registered)).toEqual(expected);
    expect(await run(unknown)).toEqual(expected);
    await instance.logins.reset(registered);
  });

  it('refuses an IP after its failure limit, spread over many accounts, even for an account it never tried; other IPs go on', async () => {
    const ip = freshIp();
    for (let i = 0; i < LOGIN_ATTEMPT_LIMITS.ip.limit; i += 1) {
      expect(await failedAttempt(instance.logins, { account: accountOf(`spray-${i}-${ip}@example.com`), ip })).toBe(
        'failed',
      );
    }
    const untouchedAccount = accountOf(`fresh-${randomBytes(4).toString('hex')}@example.com`);

    await expect(instance.logins.assertAllowed({ account: untouchedAccount, ip })).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: expect.any(Number),
    });
    await expect(instance.logins.assertAllowed({ account: untouchedAccount, ip: freshIp() })).resolves.toBeUndefined();
  });

  it("reset after a successful sign-in clears the account's failures but not the IP's", async () => {
    const account = accountOf(`grace-${randomBytes(4).toString('hex')}@example.com`);
    const ip = freshIp();
    for (let i = 0; i < 5; i += 1) await failedAttempt(instance.logins, { account, ip });
    await expect(instance.logins.assertAllowed({ account, ip })).rejects.toMatchObject({ code: 'rate_limited' });

    await instance.logins.reset(account);

    await expect(instance.logins.assertAllowed({ account, ip })).resolves.toBeUndefined();
    // The IP's five failures still count: the rest of its limit, on other accounts, exhausts it.
    for (let i = 0; i < LOGIN_ATTEMPT_LIMITS.ip.limit - 5; i += 1)
      await failedAttempt(instance.logins, { account: accountOf(`other-${i}-${ip}`), ip });
    await expect(instance.logins.assertAllowed({ account, ip })).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
