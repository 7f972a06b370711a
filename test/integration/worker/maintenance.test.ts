import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { AppConfig, newId, OutboxPurgeService, PrismaService } from '@groundwork/platform';
import { platformTestingModule } from '../../support/platform-context.js';

describe('OutboxPurgeService', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let purge: OutboxPurgeService;
  const workspaceId = newId();

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ providers: [OutboxPurgeService] });
    prisma = moduleRef.get(PrismaService);
    purge = moduleRef.get(OutboxPurgeService);
  });

  afterAll(async () => {
    await prisma.outboxEvent.deleteMany({ where: { workspaceId } });
    await moduleRef.close();
  });

  it('deletes relayed rows older than the retention and keeps recent and unrelayed ones', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const retentionMs = moduleRef.get(AppConfig).outbox.retentionMs;
    const row = (relayedAt: Date | null) => ({
      id: newId(),
      type: 'test.purge',
      visibility: 'internal' as const,
      workspaceId,
      occurredAt: new Date(now.getTime() - 2 * retentionMs),
      data: {},
      relayedAt,
    });
    const old = [row(new Date(now.getTime() - retentionMs - 1000)), row(new Date(now.getTime() - 3 * retentionMs))];
    const recent = row(new Date(now.getTime() - retentionMs + 60_000));
    const unrelayed = row(null);
    await prisma.outboxEvent.createMany({ data: [...old, recent, unrelayed] });

    const deleted = await purge.purge(now);

    const left = await prisma.outboxEvent.findMany({ where: { workspaceId }, select: { id: true } });
    expect(deleted).toBe(2);
    expect(left.map((r) => r.id).sort()).toEqual([recent.id, unrelayed.id].sort());
  });
});
