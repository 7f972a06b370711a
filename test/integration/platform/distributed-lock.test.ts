import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { DistributedLock, LockHandle } from '@groundwork/platform';
import { eventually } from '../../support/wait.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key of this file lives under the run's prefix, so the run's teardown also finds them. */
const PREFIX = `${process.env.REDIS_KEY_PREFIX ?? 'gwtest_local'}:distributed-lock:`;

function connect(): Redis {
  return new Redis(REDIS_URL, { keyPrefix: PREFIX, lazyConnect: false, maxRetriesPerRequest: 1 });
}

function lockName(): string {
  return `job-${randomBytes(4).toString('hex')}`;
}

/** A pause of a few event-loop turns, so contenders really interleave inside the critical section. */
function jitter(maxMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * (maxMs + 1))));
}

describe('DistributedLock on Redis', () => {
  let redis: Redis;
  const connections: Redis[] = [];

  beforeAll(() => {
    redis = connect();
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      // SCAN's MATCH is not prefixed by ioredis; UNLINK's keys are, so strip it back off.
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys.map((k) => k.slice(PREFIX.length)));
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  /**
   * `contenders` processes (each with its own Redis connection) each need the lock `rounds`
   * times and retry until they get it. A shared counter of current holders must never exceed 1.
   */
  async function contend(contenders: number, rounds: number) {
    const name = lockName();
    let holders = 0;
    let maxHolders = 0;
    let acquisitions = 0;
    let refusals = 0;
    let foreignTokenSeen = 0;
    const clients = Array.from({ length: contenders }, () => connect());
    connections.push(...clients);

    await Promise.all(
      clients.map(async (client) => {
        const lock = new DistributedLock(client);
        for (let round = 0; round < rounds; round += 1) {
          let handle: LockHandle | undefined;
          while (!(handle = await lock.acquire(name, 5000))) {
            refusals += 1;
            await jitter(2);
          }
          holders += 1;
          acquisitions += 1;
          maxHolders = Math.max(maxHolders, holders);
          // Inside the critical section: the key holds this owner's token, across awaits.
          if ((await client.get(handle.key)) !== handle.token) foreignTokenSeen += 1;
          await jitter(1);
          if ((await client.get(handle.key)) !== handle.token) foreignTokenSeen += 1;
          holders -= 1;
          expect(await handle.release()).toBe(true);
        }
      }),
    );
    return { maxHolders, acquisitions, refusals, foreignTokenSeen };
  }

  it('never lets two concurrent contenders hold the lock at once, over many rounds', async () => {
    const result = await contend(2, 100);

    expect(result.maxHolders).toBe(1);
    expect(result.acquisitions).toBe(200);
    expect(result.foreignTokenSeen).toBe(0);
    // The contenders really competed: some attempts found the lock taken.
    expect(result.refusals).toBeGreaterThan(0);
  });

  it('never lets two of 20 concurrent contenders hold the lock at once', async () => {
    const result = await contend(20, 15);

    expect(result.maxHolders).toBe(1);
    expect(result.acquisitions).toBe(300);
    expect(result.foreignTokenSeen).toBe(0);
    expect(result.refusals).toBeGreaterThan(300);
  });

  it('refuses a second acquire while held, and frees the lock on release by its owner', async () => {
    const lock = new DistributedLock(redis);
    const name = lockName();
    const owner = await lock.acquire(name, 5000);

    expect(owner).toBeDefined();
    expect(await lock.acquire(name, 5000)).toBeUndefined();
    expect(await owner!.release()).toBe(true);
    expect(await redis.exists(owner!.key)).toBe(0);
    const next = await lock.acquire(name, 5000);
    expect(next).toBeDefined();
    expect(next!.token).not.toBe(owner!.token);
    await next!.release();
  });

  it('cannot be released or extended through a handle with the wrong token', async () => {
    const lock = new DistributedLock(redis);
    const owner = (await lock.acquire(lockName(), 5000))!;
    const impostor = new LockHandle(redis, owner.key, randomBytes(16).toString('hex'));

    expect(await impostor.release()).toBe(false);
    expect(await impostor.extend(60_000)).toBe(false);
    expect(await redis.get(owner.key)).toBe(owner.token);
    expect(await redis.pttl(owner.key)).toBeLessThanOrEqual(5000);
    expect(await owner.release()).toBe(true);
  });

  it('after its TTL expired and another process took it, the first owner neither releases nor extends it', async () => {
    const name = lockName();
    const first = (await new DistributedLock(redis).acquire(name, 150))!;
    const otherProcess = connect();
    connections.push(otherProcess);
    const otherLock = new DistributedLock(otherProcess);

    // The other process retries until the first owner's TTL has run out.
    const second = await eventually(() => otherLock.acquire(name, 5000), 3000, 20);

    expect(await first.release()).toBe(false);
    expect(await first.extend(60_000)).toBe(false);
    expect(await redis.get(second.key)).toBe(second.token);
    expect(await redis.pttl(second.key)).toBeLessThanOrEqual(5000);
    expect(await otherLock.acquire(name, 5000)).toBeUndefined();
    expect(await second.release()).toBe(true);
  });

  it('extend keeps the lock past its original TTL', async () => {
    const lock = new DistributedLock(redis);
    const name = lockName();
    const extended = (await lock.acquire(name, 300))!;
    // A control lock taken at the same time with the same TTL, never extended.
    const control = (await lock.acquire(lockName(), 300))!;

    expect(await extended.extend(10_000)).toBe(true);
    await eventually(async () => (await redis.exists(control.key)) === 0, 3000, 20);

    expect(await redis.get(extended.key)).toBe(extended.token);
    expect(await redis.pttl(extended.key)).toBeGreaterThan(5000);
    expect(await lock.acquire(name, 1000)).toBeUndefined();
    expect(await extended.release()).toBe(true);
  });

  it('withLock returns undefined without running the work while the lock is held', async () => {
    const lock = new DistributedLock(redis);
    const name = lockName();
    const holder = (await lock.acquire(name, 5000))!;
    const work = jest.fn(async () => 'ran');

    await expect(lock.withLock(name, 5000, work)).resolves.toBeUndefined();

    expect(work).not.toHaveBeenCalled();
    expect(await redis.get(holder.key)).toBe(holder.token);
    await holder.release();
  });

  it('withLock runs the work under the lock and releases it afterwards, even when the work fails', async () => {
    const lock = new DistributedLock(redis);
    const name = lockName();

    const result = await lock.withLock(name, 5000, async (handle) => {
      expect(await redis.get(handle.key)).toBe(handle.token);
      expect(await lock.acquire(name, 5000)).toBeUndefined();
      return 42;
    });
    expect(result).toBe(42);
    expect(await redis.exists(`lock:${name}`)).toBe(0);

    await expect(
      lock.withLock(name, 5000, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await redis.exists(`lock:${name}`)).toBe(0);
  });
  it('withLock with waitMs runs the work once the holder releases, one holder at a time', async () => {
    const lock = new DistributedLock(redis);
    const name = lockName();
    const holder = (await lock.acquire(name, 5000))!;
    const order: string[] = [];

    const waiting = lock.withLock(
      name,
      5000,
      async () => {
        order.push('waiter ran');
        return 'done';
      },
      { waitMs: 3000 },
    );
    await jitter(100);
    order.push('holder releases');
    await holder.release();

    await expect(waiting).resolves.toBe('done');
    expect(order).toEqual(['holder releases', 'waiter ran']);
    expect(await redis.exists(`lock:${name}`)).toBe(0);
  });

  it('withLock with waitMs gives up, without running the work, when the lock stays held', async () => {
    const lock = new DistributedLock(redis);
    const name = lockName();
    const holder = (await lock.acquire(name, 5000))!;
    const work = jest.fn(async () => 'ran');

    await expect(lock.withLock(name, 5000, work, { waitMs: 200 })).resolves.toBeUndefined();

    expect(work).not.toHaveBeenCalled();
    expect(await redis.get(holder.key)).toBe(holder.token);
    await holder.release();
  });
});
