import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';

/** Deletes relayed outbox rows older than the retention, in bounded batches. */
@Injectable()
export class OutboxPurgeService {
  static readonly BATCH = 5000;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.outbox.retentionMs);
    let total = 0;
    for (;;) {
      // Batches keep each statement short: no long lock, no giant WAL burst.
      const deleted = await this.prisma.$executeRaw`
        DELETE FROM outbox_events WHERE id IN (
          SELECT id FROM outbox_events
          WHERE relayed_at IS NOT NULL AND relayed_at < ${cutoff}
          LIMIT ${OutboxPurgeService.BATCH})`;
      total += deleted;
      if (deleted < OutboxPurgeService.BATCH) return total;
    }
  }
}
