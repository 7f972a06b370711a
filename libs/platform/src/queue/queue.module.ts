import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { defaultJobOptions, type QueueName } from './queue.catalogue.js';
import { QueueWorkers } from './queue-workers.js';
import { redisOptionsFromUrl } from './redis-connection.js';

/**
 * BullMQ wiring from config: one Redis connection setup and key prefix for every queue, and
 * `QueueWorkers`, which starts the processors.
 */
@Module({})
export class QueueModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueModule,
      imports: [
        DiscoveryModule,
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            connection: {
              ...redisOptionsFromUrl(config.redis.url),
              // BullMQ's blocking connections must wait for Redis, not fail the command.
              maxRetriesPerRequest: null,
              retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
            },
            prefix: `${config.redis.keyPrefix}:bull`,
          }),
        }),
      ],
      providers: [QueueWorkers],
      exports: [BullModule, QueueWorkers],
    };
  }

  /** Registers queues with their default job options from the catalogue. */
  static registerQueues(...names: QueueName[]): DynamicModule {
    return {
      module: QueueModule,
      imports: names.map((name) =>
        BullModule.registerQueueAsync({
          name,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({ defaultJobOptions: defaultJobOptions(name, config) }),
        }),
      ),
      exports: [BullModule],
    };
  }
}
