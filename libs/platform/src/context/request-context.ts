import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestCancelledError } from './request-cancellation.js';

/** What every log line, query and job of one unit of work knows about it. */
export interface RequestContextData {
  requestId: string;
  /** W3C traceparent of the incoming request (or the job that carries it). */
  traceparent?: string;
  userId?: string;
  workspaceId?: string;
  /** The client as the api saw it (audit trail): address (after TRUST_PROXY) and user agent. */
  client?: { ip?: string; userAgent?: string };
  /** Set inside worker jobs. */
  job?: { queue: string; id: string; name: string };
  /**
   * Aborted when nobody needs the result any more: the client disconnected, or the route's time
   * budget ran out (`signal.reason` is a `RequestCancelledError`). Long queries opt in through
   * `PrismaService.cancellable`. Absent outside HTTP requests (jobs, CLI).
   */
  signal?: AbortSignal;
}

const storage = new AsyncLocalStorage<RequestContextData>();

/** The controller behind each context's signal, kept out of the data so only `cancel` can abort it. */
const controllers = new WeakMap<AbortSignal, AbortController>();

/**
 * The ambient context of the current request or job (AsyncLocalStorage), so services read
 * the request id, caller or trace without it being passed by hand.
 */
export const RequestContext = {
  run<T>(data: RequestContextData, fn: () => T): T {
    return storage.run(data, fn);
  },

  /** Like `run`, with a `signal` that `controller` (the request's owner) or `cancel` aborts. */
  runCancellable<T>(data: Omit<RequestContextData, 'signal'>, controller: AbortController, fn: () => T): T {
    controllers.set(controller.signal, controller);
    return storage.run({ ...data, signal: controller.signal }, fn);
  },

  /**
   * Cancels a request's work (the route timeout): by default the current context's; a no-op
   * for a signal `runCancellable` did not create.
   */
  cancel(reason: RequestCancelledError, signal: AbortSignal | undefined = storage.getStore()?.signal): void {
    if (signal) controllers.get(signal)?.abort(reason);
  },

  current(): RequestContextData | undefined {
    return storage.getStore();
  },

  /** Adds facts learnt later in the request (the authenticated user, the workspace). */
  assign(patch: Partial<Omit<RequestContextData, 'requestId' | 'signal'>>): void {
    const store = storage.getStore();
    if (store) Object.assign(store, patch);
  },

  /** The fields each log line carries. */
  logFields(): Record<string, unknown> {
    const store = storage.getStore();
    if (!store) return {};
    const { requestId, userId, workspaceId, job } = store;
    return { requestId, userId, workspaceId, job };
  },
};
