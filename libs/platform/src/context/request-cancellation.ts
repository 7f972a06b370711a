/** Seconds a client should wait before retrying a request that ran out of time (`Retry-After`). */
export const TIMEOUT_RETRY_AFTER_SECONDS = 5;

/** Why a request's work was cancelled. */
export type RequestCancellationKind = 'client_disconnected' | 'timeout';

/**
 * The reason carried by a cancelled request's `signal.reason` (see `RequestContext`), and what
 * cancelled work rejects with when the client went away: nobody is waiting for an answer, so
 * the problem filter only logs it. A route timeout is answered as a 503 `timeout` problem.
 */
export class RequestCancelledError extends Error {
  constructor(
    readonly kind: RequestCancellationKind,
    /** The route's time budget, for a timeout. */
    readonly budgetMs?: number,
  ) {
    super(
      kind === 'timeout'
        ? `The request did not finish within its ${String(budgetMs)} ms budget.`
        : 'The client disconnected before the response was sent.',
    );
    this.name = 'RequestCancelledError';
  }
}
