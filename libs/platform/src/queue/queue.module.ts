import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { defaultJobOptions, type QueueName } from './queue.catalogue.js';
import { redisOptionsFromUrl } from './redis-connection.js';

/** BullMQ wiring from config: one Redis connection setup and key prefix for every queue. */
@Module({})
export class QueueModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueModule,
      imports: [
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
      exports: [BullModule],
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
