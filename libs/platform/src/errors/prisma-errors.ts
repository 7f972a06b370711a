import { TIMEOUT_RETRY_AFTER_SECONDS } from '../context/request-cancellation.js';
import { DomainError } from './domain-error.js';

/** PostgreSQL's SQLSTATE for a statement cancelled by `pg_cancel_backend` or `statement_timeout`. */
export const QUERY_CANCELED = '57014';

interface PrismaLikeError {
  name: string;
  message: string;
  code?: string;
  meta?: Record<string, unknown>;
}

function isPrismaError(error: unknown): error is PrismaLikeError {
  return (
    error instanceof Error &&
    (error.name === 'PrismaClientKnownRequestError' ||
      error.name === 'PrismaClientInitializationError' ||
      error.name === 'PrismaClientUnknownRequestError' ||
      error.name === 'DriverAdapterError')
  );
}

/**
 * SQLSTATEs of a server that is going away or not there yet: class 08 (connection exceptions),
 * 57P01 admin_shutdown (a fast shutdown or restart), 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up or in recovery), 53300 too_many_connections. A retry a few
 * seconds later, maybe on another connection, succeeds: the client is told so (503 + Retry-After).
 */
const SERVER_GOING_AWAY = /^(08...|57P0[123]|53300)$/;

/** The driver adapter's kinds for the same: the socket refused, reset or silent. */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/**
 * `pg` reports a connection the server dropped mid-query without any SQLSTATE, with one of these
 * messages — also as a plain Error when it happens inside a transaction's COMMIT or ROLLBACK.
 */
const CONNECTION_LOST_MESSAGES =
  /Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect/;

const unavailable = (cause: unknown) =>
  new DomainError('unavailable', 'The database is unavailable; retry shortly.', { retryAfterSeconds: 5, cause });

function isDatabaseUnavailable(error: PrismaLikeError): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } }).meta?.driverAdapterError
    ?.cause;
  const direct = (error as { cause?: { kind?: unknown } }).cause;
  const kind = cause?.kind ?? direct?.kind;
  if (typeof kind === 'string' && UNREACHABLE_KINDS.has(kind)) return true;
  if (SERVER_GOING_AWAY.test(String(sqlStateOf(error) ?? ''))) return true;
  return error.name !== 'PrismaClientKnownRequestError' && CONNECTION_LOST_MESSAGES.test(error.message);
}

/**
 * PostgreSQL's SQLSTATEs for text it cannot store: `22021` (a NUL byte, or a byte sequence that
 * is no UTF-8) and `22P05` (a character with no equivalent in the encoding, e.g. `\u0000` in jsonb).
 */
export const UNSTORABLE_TEXT = ['22021', '22P05'];

function sqlStateOf(error: unknown): unknown {
  const { code, meta, cause } = error as {
    code?: unknown;
    meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } };
    cause?: { originalCode?: unknown };
  };
  return meta?.driverAdapterError?.cause?.originalCode ?? cause?.originalCode ?? meta?.code ?? code;
}

/** True for a statement PostgreSQL cancelled, as Prisma's driver adapter or `pg` reports it. */
export function isQueryCanceled(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, meta } = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  };
  return code === QUERY_CANCELED || meta?.driverAdapterError?.cause?.originalCode === QUERY_CANCELED;
}

/**
 * Translates the Prisma errors a client can cause or should retry into domain errors. The
 * message never carries SQL or column values: only what the caller may know.
 */
export function fromPrismaError(error: unknown): DomainError | undefined {
  if (error instanceof Error && error.name === 'Error' && CONNECTION_LOST_MESSAGES.test(error.message)) {
    return unavailable(error);
  }
  if (!isPrismaError(error)) return undefined;
  // `statement_timeout` ended the query (a cancel issued for an abandoned request never
  // reaches here: `PrismaService.cancellable` answers those itself).
  if (isQueryCanceled(error)) {
    return new DomainError('timeout', 'The database took too long to answer; retry shortly.', {
      retryAfterSeconds: TIMEOUT_RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
  // A string the client sent that PostgreSQL cannot hold (a NUL byte): the request's fault.
  if (UNSTORABLE_TEXT.includes(String(sqlStateOf(error)))) {
    return new DomainError(
      'bad_request',
      'A text value in the request contains a character that cannot be stored (NUL).',
      {
        cause: error,
      },
    );
  }
  if (isDatabaseUnavailable(error)) return unavailable(error);
  switch (error.code) {
    case 'P2002':
      return new DomainError('conflict', 'A resource with the same unique value already exists.', { cause: error });
    case 'P2025':
    case 'P2015':
      return new DomainError('not_found', 'The resource does not exist.', { cause: error });
    case 'P2007':
      // A value the database cannot read as its column's type (e.g. an id that is no UUID).
      return new DomainError('bad_request', 'A value in the request has the wrong format.', { cause: error });
    case 'P2034':
      return new DomainError('conflict', 'A concurrent change got there first; retry the request.', { cause: error });
    case 'P2003':
      return new DomainError('conflict', 'The change refers to a resource that does not exist or is still in use.', {
        cause: error,
      });
    // Every pooled connection stayed busy for the whole acquire timeout (an interactive
    // transaction could not start): overload, which a retry a little later gets past.
    case 'P2028':
    case 'P1001':
    case 'P1002':
    case 'P1008':
    case 'P1017':
    case 'P2024':
      return new DomainError('unavailable', 'The database is unavailable; retry shortly.', {
        retryAfterSeconds: 5,
        cause: error,
      });
    default:
      return error.name === 'PrismaClientInitializationError'
        ? new DomainError('unavailable', 'The database is unavailable; retry shortly.', {
            retryAfterSeconds: 5,
            cause: error,
          })
        : undefined;
  }
}
