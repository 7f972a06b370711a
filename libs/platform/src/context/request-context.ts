import { AsyncLocalStorage } from 'node:async_hooks';

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
}

const storage = new AsyncLocalStorage<RequestContextData>();

/**
 * The ambient context of the current request or job (AsyncLocalStorage), so services read
 * the request id, caller or trace without it being passed by hand.
 */
export const RequestContext = {
  run<T>(data: RequestContextData, fn: () => T): T {
    return storage.run(data, fn);
  },

  current(): RequestContextData | undefined {
    return storage.getStore();
  },

  /** Adds facts learnt later in the request (the authenticated user, the workspace). */
  assign(patch: Partial<Omit<RequestContextData, 'requestId'>>): void {
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
