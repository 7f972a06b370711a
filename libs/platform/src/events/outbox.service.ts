import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RequestContext } from '../context/request-context.js';
import type { Prisma } from '../database/generated/client.js';
import { toFieldErrors } from '../errors/request-validation.error.js';
import { newId } from '../ids/uuid.js';
import { currentTraceCarrier } from '../observability/trace-context.js';
import { eventDefinition, type EventPayload, type EventType } from './event-registry.js';

/** The Prisma transaction a domain change runs in: the event must commit with it, or not at all. */
export type Transaction = Prisma.TransactionClient;

export interface NewEvent<T extends EventType> {
  type: T;
  data: EventPayload<T>;
  workspaceId?: string | null;
  actorId?: string | null;
}

/** An event type no context defined: a bug in the producer (or a context whose library was not loaded). */
export class UnknownEventTypeError extends Error {
  constructor(type: string) {
    super(`event type ${type} is not defined by any loaded context`);
    this.name = 'UnknownEventTypeError';
  }
}

/** A payload that does not match its event's schema: a bug in the producer, caught before commit. */
export class InvalidEventPayloadError extends Error {
  constructor(type: string, problems: string[]) {
    super(`event ${type} has an invalid payload: ${problems.join('; ')}`);
    this.name = 'InvalidEventPayloadError';
  }
}

/**
 * The transactional outbox (docs/events-and-jobs.md): `publish` writes the event envelope inside the
 * caller's transaction, with the request's id (request context) and its trace context (the
 * active span's, through OpenTelemetry's W3C propagator; the caller's own without the SDK).
 */
@Injectable()
export class OutboxService {
  async publish<T extends EventType>(tx: Transaction, event: NewEvent<T>): Promise<string> {
    const definition = eventDefinition(event.type);
    if (definition === undefined) throw new UnknownEventTypeError(event.type);
    const payload = plainToInstance(definition.schema, event.data);
    const errors = validateSync(payload, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    if (errors.length > 0) {
      throw new InvalidEventPayloadError(
        event.type,
        toFieldErrors(errors).map((e) => `${e.field}: ${e.message}`),
      );
    }
    const context = RequestContext.current();
    const trace = currentTraceCarrier();
    const id = newId();
    await tx.outboxEvent.create({
      data: {
        id,
        type: event.type,
        version: definition.version,
        visibility: definition.visibility,
        workspaceId: event.workspaceId ?? null,
        actorId: event.actorId ?? context?.userId ?? null,
        occurredAt: new Date(),
        data: { ...(event.data as object) },
        requestId: context?.requestId ?? null,
        traceparent: trace.traceparent,
        tracestate: trace.tracestate,
      },
    });
    return id;
  }
}
