import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppConfig } from '../config/app-config.js';
import { PrismaClient } from './generated/client.js';

type PrismaOptions = {
  adapter: PrismaPg;
  log: { emit: 'event'; level: 'query' }[];
  transactionOptions: { maxWait: number; timeout: number };
};

/**
 * The one database client of a process: Prisma's Rust-free client over a pg pool sized and
 * time-boxed from config. A database that is down at boot does not stop the process: readiness
 * reports it, and queries work as soon as it is back.
 */
@Injectable()
export class PrismaService extends PrismaClient<PrismaOptions> implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);

  constructor(config: AppConfig) {
    const { url, poolMax, acquireTimeoutMs, statementTimeoutMs } = config.database;
    const logger = new Logger(PrismaService.name);
    const adapter = new PrismaPg(
      {
        connectionString: url,
        max: poolMax,
        // pg-pool applies this both to opening a connection and to waiting for a free one.
        connectionTimeoutMillis: acquireTimeoutMs,
        idleTimeoutMillis: 30_000,
        statement_timeout: statementTimeoutMs,
        application_name: `groundwork-${config.service}`,
      },
      { onPoolError: (error) => logger.warn({ err: error }, 'idle database connection failed') },
    );
    super({
      adapter,
      log: [{ emit: 'event' as const, level: 'query' as const }],
      // Interactive transactions: wait at most this long for a connection, run at most this long.
      transactionOptions: { maxWait: acquireTimeoutMs, timeout: statementTimeoutMs },
    });
    const slowMs = config.database.slowQueryMs;
    this.$on('query', (event) => {
      if (event.duration >= slowMs) {
        logger.warn({ durationMs: event.duration, query: event.query.slice(0, 500) }, 'slow query');
      }
    });
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.$connect();
    } catch (error) {
      this.logger.warn({ err: error }, 'database unreachable at boot; readiness stays down until it answers');
    }
  }

  /** Closed last, after HTTP requests and jobs have drained (DESIGN.md, shutdown order). */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
