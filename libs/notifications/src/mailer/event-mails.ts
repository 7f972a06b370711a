import type { EventEnvelopeOf, EventType } from '@groundwork/platform';
import type { TemplateData, TemplateName } from '../templates/template-catalogue.js';

/** One mail an event calls for: to whom, with which template. */
export type PlannedMail = {
  [N in TemplateName]: {
    to: string;
    template: N;
    /**
     * The template's data, composed only when this mail has not been sent for the event yet
     * (it may create a one-time token); undefined when there turns out to be nothing to send.
     */
    compose: () => Promise<TemplateData[N] | undefined>;
  };
}[TemplateName];

/**
 * A context's decision of who gets which mail for its events. The context that owns the facts
 * (accounts, invitations, tasks, endpoints) decides; the email queue's processor only renders
 * and sends, idempotently per (event, recipient, template).
 */
export interface EventMailPlanner<T extends EventType = EventType> {
  /** The events it plans mails for: the ones its context subscribed the email queue to. */
  readonly events: readonly T[];
  /** The mails the event calls for now (none when it no longer applies). */
  plan(event: EventEnvelopeOf<T>): Promise<PlannedMail[]>;
}
