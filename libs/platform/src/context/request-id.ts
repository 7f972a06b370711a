import { newId } from '../ids/uuid.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Accepted from the caller only when short and free of anything a log injection could use. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function resolveRequestId(incoming: string | string[] | undefined): string {
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  return candidate !== undefined && VALID_REQUEST_ID.test(candidate) ? candidate : newId();
}

/** W3C Trace Context: version ff and all-zero trace or parent ids are invalid. */
const TRACEPARENT = /^(?!ff)[\da-f]{2}-(?!0{32})[\da-f]{32}-(?!0{16})[\da-f]{16}-[\da-f]{2}$/;

export function resolveTraceparent(incoming: string | string[] | undefined): string | undefined {
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  return candidate !== undefined && TRACEPARENT.test(candidate) ? candidate : undefined;
}

/** W3C tracestate: list members of printable ASCII, at most 512 characters (the spec's limit). */
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;

/** Kept only beside a valid traceparent, as the spec requires. */
export function resolveTracestate(
  incoming: string | string[] | undefined,
  traceparent: string | undefined,
): string | undefined {
  const candidate = Array.isArray(incoming) ? incoming.join(',') : incoming;
  return traceparent !== undefined && candidate !== undefined && TRACESTATE.test(candidate) ? candidate : undefined;
}
