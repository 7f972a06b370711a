import { DomainError } from './domain-error.js';

interface PrismaLikeError {
  name: string;
  code?: string;
  meta?: Record<string, unknown>;
}

function isPrismaError(error: unknown): error is PrismaLikeError {
  return (
    error instanceof Error &&
    (error.name === 'PrismaClientKnownRequestError' || error.name === 'PrismaClientInitializationError')
  );
}

/**
 * Translates the Prisma errors a client can cause or should retry into domain errors. The
 * message never carries SQL or column values: only what the caller may know.
 */
export function fromPrismaError(error: unknown): DomainError | undefined {
  if (!isPrismaError(error)) return undefined;
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
