import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { AuditModule, BackgroundTasks, EventsModule, newId, PrismaService, RequestContext } from '@groundwork/platform';
import { IdentityModule, LoginService, PasswordHasher, PasswordResetService } from '@groundwork/identity';
import { platformTestingModule } from '../../support/platform-context.js';

const SAMPLES = 50;
const MAX_MEDIAN_GAP_MS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function timed(operation: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await operation().catch(() => undefined);
  return performance.now() - started;
}

/**
 * Whether an email has an account must not show in how long the answer takes: known and
 * unknown addresses are measured alternately (so load drifts hit both alike), and their
 * medians over 50 requests each must be within 5 ms.
 */
describe('timing parity between known and unknown emails (PostgreSQL, Redis, argon2)', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let known: string[];

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [AuditModule, EventsModule, IdentityModule] });
    prisma = moduleRef.get(PrismaService);
    const passwordHash = await moduleRef.get(PasswordHasher).hash('the right horse battery');
    known = Array.from({ length: SAMPLES }, () => `known-${randomBytes(6).toString('hex')}@example.test`);
    await prisma.user.createMany({
      data: known.map((email) => ({ id: newId(), email, name: 'Known', passwordHash, emailVerifiedAt: new Date() })),
    });
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  const unknown = () => `unknown-${randomBytes(6).toString('hex')}@example.test`;

  /**
   * One known and one unknown sample, in alternating order (whatever runs second is not always
   * the same kind), each after the work the previous answers left behind has finished: what is
   * compared is the time to the answer, not the load of the sample before.
   */
  async function samplePair(i: number, known: () => Promise<number>, unknownOne: () => Promise<number>) {
    const background = moduleRef.get(BackgroundTasks);
    const pair: number[] = [];
    for (const take of i % 2 === 0 ? [known, unknownOne] : [unknownOne, known]) {
      await background.settled();
      pair.push(await take());
    }
    return i % 2 === 0 ? pair : pair.reverse();
  }

  /** Each request from its own address, so no per-address limit steps in. */
  const fromOwnAddress = <T>(i: number, operation: () => Promise<T>) =>
    RequestContext.run({ requestId: randomBytes(8).toString('hex'), client: { ip: `203.0.113.${i + 1}` } }, operation);

  it('forgot-password takes as long for an unknown email as for a registered one', async () => {
    const resets = moduleRef.get(PasswordResetService);
    const [knownTimes, unknownTimes]: number[][] = [[], []];
    for (let i = 0; i < SAMPLES; i += 1) {
      const [knownTime, unknownTime] = await samplePair(
        i,
        () => timed(() => fromOwnAddress(i, () => resets.request(known[i]!))),
        () => timed(() => fromOwnAddress(i, () => resets.request(unknown()))),
      );
      knownTimes.push(knownTime!);
      unknownTimes.push(unknownTime!);
    }

    expect(Math.abs(median(knownTimes) - median(unknownTimes))).toBeLessThan(MAX_MEDIAN_GAP_MS);
  });

  it('a failed login takes as long for an unknown email as for a registered one', async () => {
    const logins = moduleRef.get(LoginService);
    const [knownTimes, unknownTimes]: number[][] = [[], []];
    const login = (email: string) => logins.login({ email, password: 'a wrong guess', kind: 'bearer' });
    for (let i = 0; i < SAMPLES; i += 1) {
      const [knownTime, unknownTime] = await samplePair(
        i,
        () => timed(() => fromOwnAddress(i, () => login(known[i]!))),
        () => timed(() => fromOwnAddress(i, () => login(unknown()))),
      );
      knownTimes.push(knownTime!);
      unknownTimes.push(unknownTime!);
    }

    expect(Math.abs(median(knownTimes) - median(unknownTimes))).toBeLessThan(MAX_MEDIAN_GAP_MS);
  });
});
