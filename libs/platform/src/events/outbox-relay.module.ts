import { type DynamicModule, Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { eventConsumerQueues } from './event-consumers.js';
import { OutboxRelay } from './outbox-relay.js';

/** The outbox relay, for the app that runs it (the worker). */
@Module({})
export class OutboxRelayModule {
  /**
   * The relay with a producer for every consumer queue. Call it where the app's modules are
   * assembled: the contexts subscribe their queues when their libraries load, before that.
   */
  static forRoot(): DynamicModule {
    return {
      module: OutboxRelayModule,
      imports: [QueueModule.registerQueues(...eventConsumerQueues())],
      providers: [OutboxRelay],
      exports: [OutboxRelay],
    };
  }
}
