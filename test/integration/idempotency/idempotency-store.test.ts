import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  DEFERRED_FINGERPRINT,
  CryptoModule,
  IDEMPOTENCY_RETENTION_MS,
  IdempotencyModule,
  IdempotencyStore,
  newId,
  PrismaService,
  requestFingerprint,
  SecretBoxError,
  type StoredReply,
} from '@groundwork/platform';
import { platformTestingModule } from '../../support/platform-context.js';

describe('IdempotencyStore (PostgreSQL)', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let store: IdempotencyStore;
  const scopes: string[] = [];

  /** A scope of this test alone, so tests never share keys. */
  const newScope = (): string => {
    const scope = `user:${newId()} POST /v1/workspaces`;
    scopes.push(scope);
    return scope;
  };
  const fingerprint = (body: unknown): string => requestFingerprint('POST', '/v1/workspaces', body);
  const reply = (body: unknown): StoredReply => ({
    status: 201,
    headers: { location: 'http://api.test/v1/workspaces/1', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [CryptoModule, IdempotencyModule] });
    prisma = moduleRef.get(PrismaService);
    store = moduleRef.get(IdempotencyStore);
  });

  afterAll(async () => {
    await prisma.idempotencyKey.deleteMany({ where: { scope: { in: scopes } } });
    await moduleRef.close();
  });

  it('lets exactly one of 20 concurrent first requests with one key start; the others see it in flight', async () => {
    const scope = newScope();
    const fp = fingerprint({ name: 'Acme' });
    const results = await Promise.all(Array.from({ length: 20 }, () => store.begin(scope, 'k-race', fp)));
    expect(results.filter((r) => r.outcome === 'started')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'in_flight')).toHaveLength(19);
    expect(await prisma.idempotencyKey.count({ where: { scope } })).toBe(1);
  });

  it('answers mismatch when the key is reused with a different request, in flight or completed', async () => {
    const scope = newScope();
    const first = await store.begin(scope, 'k', fingerprint({ name: 'Acme' }));
    expect(first.outcome).toBe('started');
    expect(await store.begin(scope, 'k', fingerprint({ name: 'Other' }))).toEqual({ outcome: 'mismatch' });
    if (first.outcome !== 'started') throw new Error('unreachable');
    await store.complete(scope, 'k', first.attemptId, reply({ id: 1 }));
    expect(await store.begin(scope, 'k', fingerprint({ name: 'Other' }))).toEqual({ outcome: 'mismatch' });
  });

  it('treats the same body with another key order as the same request', () => {
    expect(fingerprint({ name: 'Acme', slug: 'acme', nested: { b: 1, a: [2, { d: 1, c: 2 }] } })).toBe(
      fingerprint({ nested: { a: [2, { c: 2, d: 1 }], b: 1 }, slug: 'acme', name: 'Acme' }),
    );
    expect(fingerprint({ name: 'Acme' })).not.toBe(requestFingerprint('POST', '/v1/other', { name: 'Acme' }));
  });

  it('replays the stored status, headers and body once the first request completed', async () => {
    const scope = newScope();
    const fp = fingerprint({ name: 'Acme' });
    const first = await store.begin(scope, 'k', fp);
    if (first.outcome !== 'started') throw new Error(`expected started, got ${first.outcome}`);
    expect(await store.complete(scope, 'k', first.attemptId, reply({ id: 'w1', name: 'Acme' }))).toBe(true);

    expect(await store.begin(scope, 'k', fp)).toEqual({
      outcome: 'replay',
      fingerprint: fp,
      reply: reply({ id: 'w1', name: 'Acme' }),
    });
  });

  it('defers the fingerprint of a streamed body: recorded on completion, handed back on replay for the caller to compare', async () => {
    const scope = newScope();
    const fp = fingerprint({ filename: 'a.bin', sha256: 'ab'.repeat(32) });
    const first = await store.begin(scope, 'k', DEFERRED_FINGERPRINT);
    if (first.outcome !== 'started') throw new Error(`expected started, got ${first.outcome}`);
    expect(await store.begin(scope, 'k', DEFERRED_FINGERPRINT)).toEqual({ outcome: 'in_flight' });
    await store.complete(scope, 'k', first.attemptId, reply({ id: 'a1' }), { fingerprint: fp });

    expect(await store.begin(scope, 'k', DEFERRED_FINGERPRINT)).toEqual({
      outcome: 'replay',
      fingerprint: fp,
      reply: reply({ id: 'a1' }),
    });
  });

  it('keeps keys per scope: the same key in another scope is a new request', async () => {
    const [a, b] = [newScope(), newScope()];
    const fp = fingerprint({ name: 'Acme' });
    expect((await store.begin(a, 'shared', fp)).outcome).toBe('started');
    expect((await store.begin(b, 'shared', fp)).outcome).toBe('started');
  });

  it('frees the key when the holding attempt abandons it, and only that attempt can', async () => {
    const scope = newScope();
    const fp = fingerprint({ name: 'Acme' });
    const first = await store.begin(scope, 'k', fp);
    if (first.outcome !== 'started') throw new Error('expected started');

    await store.abandon(scope, 'k', newId());
    expect(await store.begin(scope, 'k', fp)).toEqual({ outcome: 'in_flight' });

    await store.abandon(scope, 'k', first.attemptId);
    const retry = await store.begin(scope, 'k', fp);
    expect(retry.outcome).toBe('started');
  });

  it('takes over an in-flight claim whose lease ran out (one winner), and the old attempt can no longer complete', async () => {
    const scope = newScope();
    const fp = fingerprint({ name: 'Acme' });
    const t0 = new Date();
    const crashed = await store.begin(scope, 'k', fp, t0);
    if (crashed.outcome !== 'started') throw new Error('expected started');

    const withinLease = new Date(t0.getTime() + store.leaseMs - 1000);
    expect(await store.begin(scope, 'k', fp, withinLease)).toEqual({ outcome: 'in_flight' });

    const afterLease = new Date(t0.getTime() + store.leaseMs + 1000);
    const takeovers = await Promise.all(Array.from({ length: 10 }, () => store.begin(scope, 'k', fp, afterLease)));
    const winners = takeovers.filter((r) => r.outcome === 'started');
    expect(winners).toHaveLength(1);
    expect(takeovers.filter((r) => r.outcome === 'in_flight')).toHaveLength(9);

    expect(await store.complete(scope, 'k', crashed.attemptId, reply({ id: 'late' }))).toBe(false);
    const winner = winners[0];
    if (winner?.outcome !== 'started') throw new Error('expected a winner');
    expect(await store.complete(scope, 'k', winner.attemptId, reply({ id: 'w2' }))).toBe(true);
    expect(await store.begin(scope, 'k', fp, afterLease)).toEqual({
      outcome: 'replay',
      fingerprint: fp,
      reply: reply({ id: 'w2' }),
    });
  });

  it('treats a key past its 24 h as unused, even before the purge removed it', async () => {
    const scope = newScope();
    const fp = fingerprint({ name: 'Acme' });
    const t0 = new Date();
    const first = await store.begin(scope, 'k', fp, t0);
    if (first.outcome !== 'started') throw new Error('expected started');
    await store.complete(scope, 'k', first.attemptId, reply({ id: 'old' }));

    const later = new Date(t0.getTime() + IDEMPOTENCY_RETENTION_MS + 1000);
    expect((await store.begin(scope, 'k', fingerprint({ name: 'New' }), later)).outcome).toBe('started');
  });

  it('purges expired keys and keeps live ones', async () => {
    const scope = newScope();
    const now = new Date();
    const row = (key: string, expiresAt: Date) => ({
      scope,
      key,
      fingerprint: fingerprint({ key }),
      state: 'completed' as const,
      attemptId: newId(),
      lockedAt: now,
      status: 201,
      body: '{}',
      expiresAt,
    });
    await prisma.idempotencyKey.createMany({
      data: [
        row('expired-1', new Date(now.getTime() - 1)),
        row('expired-2', new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS)),
        row('live', new Date(now.getTime() + 60_000)),
      ],
    });
    // The other tests' rows were created just now and live 24 h, so only these two are due.
    const deleted = await store.purgeExpired(now);

    expect(deleted).toBe(2);
    const left = await prisma.idempotencyKey.findMany({ where: { scope }, select: { key: true } });
    expect(left.map((r) => r.key)).toEqual(['live']);
  });

  it('stores a sealed reply unreadable in the table and opens it back on replay', async () => {
    const scope = newScope();
    const shownOnce = randomBytes(24).toString('base64url');
    const secret = `gw_${newId()}_${shownOnce}`;
    const fp = fingerprint({ name: 'ci key', role: 'member' });
    const first = await store.begin(scope, 'k', fp);
    if (first.outcome !== 'started') throw new Error('expected started');
    const sealed: StoredReply = {
      status: 201,
      headers: { 'cache-control': 'no-store' },
      body: JSON.stringify({ secret }),
    };
    await store.complete(scope, 'k', first.attemptId, sealed, { seal: true });

    const rows = await prisma.$queryRaw<{ row: string }[]>`
      SELECT row_to_json(k)::text AS row FROM idempotency_keys k WHERE scope = ${scope}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).not.toContain(secret);
    expect(rows[0]?.row).not.toContain(shownOnce);
    const stored = await prisma.idempotencyKey.findUniqueOrThrow({ where: { scope_key: { scope, key: 'k' } } });
    expect(stored.bodySealed).toBe(true);
    expect(stored.body).toMatch(/^v1\./);

    expect(await store.begin(scope, 'k', fp)).toEqual({ outcome: 'replay', fingerprint: fp, reply: sealed });

    // A sealed body copied into another row does not open there: it is bound to its (scope, key).
    const other = newScope();
    await prisma.idempotencyKey.create({ data: { ...stored, scope: other, headers: {} } });
    await expect(store.begin(other, 'k', fp)).rejects.toThrow(SecretBoxError);
  });
});
