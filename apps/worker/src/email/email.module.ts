import { Module } from '@nestjs/common';
import { type EventMailPlanner, NotificationsModule } from '@groundwork/notifications';
import { QueueModule } from '@groundwork/platform/queue';
import { MAIL_PLANNERS } from '../contexts.js';
import { EmailProcessor, EVENT_MAIL_PLANNERS } from './email.processor.js';

/** The email queue: each context's mail planner (listed in contexts.ts), and the processor that sends what they plan. */
@Module({
  imports: [QueueModule.registerQueues('email'), NotificationsModule, ...MAIL_PLANNERS.map(({ module }) => module)],
  providers: [
    EmailProcessor,
    {
      provide: EVENT_MAIL_PLANNERS,
      useFactory: (...planners: EventMailPlanner[]): EventMailPlanner[] => planners,
      inject: MAIL_PLANNERS.map(({ planner }) => planner),
    },
  ],
})
export class EmailModule {}
