import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestCancelledError } from './request-cancellation.js';

/** What every log line, query and job of one unit of work knows about it. */
export interface RequestContextData {
  requestId: string;
  /** W3C traceparent of the incoming request (or the job that carries it). */
  traceparent?: string;
  /** W3C tracestate that came with the traceparent (vendor data, passed on untouched). */
  tracestate?: string;
  userId?: string;
  workspaceId?: string;
  /** The caller's role in `workspaceId`, as the access guard found it (feature flag context). */
  workspaceRole?: string;
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
 * The context of an HTTP request, whose `signal` is created the first time someone asks for it
 * (a cancellable query, the route timeout once it fires): most requests end without anyone
 * asking, and an AbortController per request is a measurable share of a cheap request's cost.
 * A cancellation that comes before anyone asked is kept, and the signal is born aborted with
 * its reason — so it behaves exactly like a signal created up front.
 */
class LazilyCancellableContext implements RequestContextData {
  requestId: string;
  traceparent?: string;
  tracestate?: string;
  userId?: string;
  workspaceId?: string;
  workspaceRole?: string;
  client?: { ip?: string; userAgent?: string };
  private controller: AbortController | undefined;
  private cancelledWith: RequestCancelledError | undefined;

  constructor(data: Omit<RequestContextData, 'signal'>) {
    this.requestId = data.requestId;
    this.traceparent = data.traceparent;
    this.tracestate = data.tracestate;
    this.client = data.client;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cancelledWith !== undefined) this.controller.abort(this.cancelledWith);
    }
    return this.controller.signal;
  }

  cancel(reason: RequestCancelledError): void {
    if (this.controller !== undefined) this.controller.abort(reason);
    else this.cancelledWith ??= reason;
  }
}

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
   * A request's context whose `signal` is created on first use (see `LazilyCancellableContext`):
   * run code in it with `run`, abort it with `cancel(reason, context)`.
   */
  cancellable(data: Omit<RequestContextData, 'signal'>): RequestContextData {
    return new LazilyCancellableContext(data);
  },

  /**
   * Cancels a request's work (the route timeout, a client gone): by default the current
   * context's. `target` is a context from `cancellable` or a signal from `runCancellable`; a
   * no-op for anything else.
   */
  cancel(
    reason: RequestCancelledError,
    target: AbortSignal | RequestContextData | undefined = storage.getStore(),
  ): void {
    if (target instanceof LazilyCancellableContext) target.cancel(reason);
    else if (target instanceof AbortSignal) controllers.get(target)?.abort(reason);
    else if (target?.signal) controllers.get(target.signal)?.abort(reason);
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
