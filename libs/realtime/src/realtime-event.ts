import type { EventEnvelope } from '@groundwork/platform';

/**
 * An event as real-time clients see it (docs/realtime.md): the envelope without what stays
 * inside the system (actor, request id, trace context, version, visibility).
 */
export interface RealtimeEvent {
  id: string;
  type: string;
  workspaceId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** What the channel carries: the event and its position in the workspace's log. */
export interface PublishedEvent {
  /** The stream entry id (`<ms>-<seq>`): orders events of one workspace, as published. */
  streamId: string;
  event: RealtimeEvent;
}

export function toRealtimeEvent(envelope: EventEnvelope): RealtimeEvent | undefined {
  if (envelope.workspaceId === null) return undefined;
  return {
    id: envelope.id,
    type: envelope.type,
    workspaceId: envelope.workspaceId,
    occurredAt: envelope.occurredAt,
    data: envelope.data as unknown as Record<string, unknown>,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a channel message; undefined for anything that is not one (never throws). */
export function parsePublishedEvent(text: string): PublishedEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.streamId !== 'string' || !isRecord(value.event)) return undefined;
  const event = value.event;
  if (
    typeof event.id !== 'string' ||
    typeof event.type !== 'string' ||
    typeof event.workspaceId !== 'string' ||
    typeof event.occurredAt !== 'string' ||
    !isRecord(event.data)
  ) {
    return undefined;
  }
  return { streamId: value.streamId, event: event as unknown as RealtimeEvent };
}

/**
 * Compares two stream entry ids (`<ms>-<seq>`) numerically; stream order is publish order.
 * Returns < 0, 0 or > 0 like a sort comparator.
 */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = '0', aSeq = '0'] = a.split('-');
  const [bMs = '0', bSeq = '0'] = b.split('-');
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
