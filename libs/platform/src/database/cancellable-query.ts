import { Logger } from '@nestjs/common';
import pg from 'pg';
import { RequestCancelledError, TIMEOUT_RETRY_AFTER_SECONDS } from '../context/request-cancellation.js';
import { RequestContext } from '../context/request-context.js';
import { DomainError } from '../errors/domain-error.js';
import { fromPrismaError, isQueryCanceled } from '../errors/prisma-errors.js';
import type { Prisma } from './generated/client.js';

/**
 * The transaction outlives its statement timeout by this much, so a slow statement ends with
 * PostgreSQL's clear 57014 rather than Prisma closing the transaction under it.
 */
const TRANSACTION_GRACE_MS = 1_000;

/** How often an abandoned `fn`'s backend is checked (and cancelled) again until `fn` is done. */
const CANCEL_RETRY_MS = 25;

const logger = new Logger('CancellableQuery');

export interface CancellableOptions {
  /** Default: the request's signal (`RequestContext.current()?.signal`). */
  signal?: AbortSignal;
  /** Backstop for each statement (`SET LOCAL statement_timeout`); default `DATABASE_STATEMENT_TIMEOUT_MS`. */
  statementTimeoutMs?: number;
}

/** What `cancellable` needs from PrismaService (kept narrow so this file does not import it). */
export interface InteractiveTransactions {
  $transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, options?: { timeout?: number }): Promise<T>;
}

/**
 * Sends `pg_cancel_backend` over a connection of its own: when every pooled connection is busy
 * with slow queries — exactly when cancelling matters — a cancel queued behind them would wait
 * for the very queries it should stop. One connection, opened on first use, closed when idle.
 */
export class QueryCanceller {
  private readonly logger = new Logger(QueryCanceller.name);
  private readonly pool: pg.Pool;

  constructor(options: { url: string; acquireTimeoutMs: number; applicationName: string }) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: 1,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: options.acquireTimeoutMs,
      statement_timeout: options.acquireTimeoutMs,
      application_name: options.applicationName,
      allowExitOnIdle: true,
    });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'idle canceller connection failed'));
  }

  /**
   * Cancels the backend's current statement if it is running one; false when the backend is
   * idle (the statement has not arrived yet, or is done). PostgreSQL ignores a cancel that
   * reaches an idle backend, so asking again later is safe.
   */
  async cancelIfActive(pid: number): Promise<boolean> {
    const result = await this.pool.query<{ cancelled: boolean }>(
      `SELECT pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`,
      [pid],
    );
    return result.rows[0]?.cancelled === true;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Runs `fn` so that aborting the signal stops its database work instead of leaving it running
 * (docs/request-lifecycle.md, "Timeouts and cancellation"). Prisma takes no abort signal, so
 * `fn` runs in an interactive transaction whose first statement reads the backend's pid (and
 * sets the statement timeout, in the same round trip); on abort, `pg_cancel_backend(pid)` goes
 * out on the canceller's own connection. Without a signal (jobs, CLI) `fn` runs on the pool
 * directly, with only the pool's statement timeout as its limit.
 *
 * Rejects with a `DomainError('timeout')` when a route timeout or the statement timeout ended
 * the query, and with the signal's reason for any other abort (a client disconnect).
 */
export async function runCancellableQuery<T>(
  db: Prisma.TransactionClient & InteractiveTransactions,
  canceller: QueryCanceller,
  defaultStatementTimeoutMs: number,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options: CancellableOptions = {},
): Promise<T> {
  const signal = options.signal ?? RequestContext.current()?.signal;
  if (!signal && options.statementTimeoutMs === undefined) return withTimeoutsTranslated(fn(db));
  if (signal?.aborted) throw cancellationError(signal);
  const statementTimeoutMs = options.statementTimeoutMs ?? defaultStatementTimeoutMs;
  let settled = false;
  let cancelling: Promise<void> | undefined;
  try {
    return await db.$transaction(
      async (tx) => {
        const [backend] = await tx.$queryRaw<{ pid: number }[]>`
          SELECT pg_backend_pid() AS pid, set_config('statement_timeout', ${String(statementTimeoutMs)}, true)`;
        if (!signal || !backend) return await fn(tx);
        const deadline = Date.now() + statementTimeoutMs + TRANSACTION_GRACE_MS;
        const onAbort = () => {
          cancelling = cancelWhileRunning(canceller, backend.pid, () => settled || Date.now() > deadline);
        };
        signal.throwIfAborted();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          return await fn(tx);
        } finally {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          // The connection goes back to the pool after this: a cancel still in flight must land
          // first, or it could hit the next request's statement on the same backend.
          await cancelling;
        }
      },
      { timeout: statementTimeoutMs + TRANSACTION_GRACE_MS },
    );
  } catch (error) {
    if (signal?.aborted && (isQueryCanceled(error) || error === signal.reason)) throw cancellationError(signal, error);
    throw translateTimeout(error);
  }
}

/**
 * Cancels whatever the backend runs until `fn` is done: a cancel can precede the statement it
 * is meant for, and an `fn` that carries on after a cancelled statement must not run on.
 */
async function cancelWhileRunning(canceller: QueryCanceller, pid: number, done: () => boolean): Promise<void> {
  try {
    while (!done()) {
      if (await canceller.cancelIfActive(pid)) logger.debug({ pid }, 'cancelled the query of an abandoned request');
      if (done()) return;
      await new Promise((resolve) => setTimeout(resolve, CANCEL_RETRY_MS));
    }
  } catch (error) {
    // The statement timeout still ends the query; the request itself is already answered.
    logger.warn({ err: error, pid }, 'could not cancel the query of an abandoned request');
  }
}

function cancellationError(signal: AbortSignal, cause?: unknown): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof RequestCancelledError && reason.kind === 'timeout') {
    return new DomainError('timeout', reason.message, { retryAfterSeconds: TIMEOUT_RETRY_AFTER_SECONDS, cause });
  }
  return reason instanceof Error ? reason : new Error('The operation was aborted.', { cause: reason });
}

async function withTimeoutsTranslated<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (error) {
    throw translateTimeout(error);
  }
}

/** A statement that hit `statement_timeout` becomes the 503 `timeout` problem; other errors pass. */
function translateTimeout(error: unknown): unknown {
  return isQueryCanceled(error) ? (fromPrismaError(error) ?? error) : error;
}
