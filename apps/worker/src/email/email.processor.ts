import { Inject, type OnModuleInit } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';
import { type EventMailPlanner, MailDeliveryError, MailerService, type PlannedMail } from '@groundwork/notifications';
import {
  consumedEventTypes,
  type EventEnvelopeOf,
  type EventJob,
  type EventType,
  workerOptions,
} from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';

/** Every context's mail planner, as the worker wires them (email.module.ts). */
export const EVENT_MAIL_PLANNERS = Symbol('EVENT_MAIL_PLANNERS');

/**
 * Turns events into mails: the context that owns an event decides who gets which mail
 * (its EventMailPlanner); this processor only renders and sends them. Idempotent per (event,
 * recipient, template): a retry or a replayed event finds the sent-record and stops, before a
 * mail's data (and any token in it) is composed. SMTP 5xx fails the job for good (a dead
 * letter); 4xx and network errors are retried with backoff.
 */
@Processor('email', workerOptions('email'))
export class EmailProcessor extends DrainingWorkerHost<EventJob> implements OnModuleInit {
  private readonly planners = new Map<string, EventMailPlanner>();

  constructor(
    private readonly mailer: MailerService,
    @Inject(EVENT_MAIL_PLANNERS) planners: EventMailPlanner[],
  ) {
    super();
    for (const planner of planners) for (const type of planner.events) this.planners.set(type, planner);
  }

  /** Every event a context subscribed the email queue to has its planner: checked at start. */
  onModuleInit(): void {
    const unplanned = consumedEventTypes('email').filter((type) => !this.planners.has(type));
    if (unplanned.length > 0) throw new Error(`no mail planner for ${unplanned.join(', ')} (email.module.ts)`);
  }

  protected async handle(job: Job<EventJob>): Promise<unknown> {
    try {
      return await this.dispatch(job.data.event);
    } catch (error) {
      if (error instanceof MailDeliveryError && error.permanent) {
        throw new UnrecoverableError(`${error.message} (permanent, not retried)`);
      }
      throw error;
    }
  }

  private async dispatch(event: EventEnvelopeOf<EventType>): Promise<string> {
    const planner = this.planners.get(event.type);
    if (!planner) throw new UnrecoverableError(`the email queue does not handle ${event.type}`);
    const mails = await planner.plan(event);
    const outcomes = await Promise.all(mails.map((mail) => this.send(event.id, mail)));
    return outcomes.join(',') || 'skipped';
  }

  private async send(eventId: string, mail: PlannedMail): Promise<string> {
    if (await this.mailer.alreadySent(eventId, mail.to, mail.template)) return 'already-sent';
    const data = await mail.compose();
    if (data === undefined) return 'skipped';
    // `mail` pairs each template with its data type; TypeScript cannot follow that across the await.
    return this.mailer.sendOnce({ eventId, to: mail.to, template: mail.template, data } as Parameters<
      MailerService['sendOnce']
    >[0]);
  }
}
