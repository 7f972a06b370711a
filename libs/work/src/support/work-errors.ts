import { DomainError } from '@groundwork/platform';

/** A unique-constraint violation reported by Prisma (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    'code' in error &&
    error.code === 'P2002'
  );
}

/**
 * The answer to a conditional write that matched no row: the resource is gone (404) or its
 * version moved on since the client read it (412). Only asked after the write failed, so the
 * common path costs one statement.
 */
export function notFoundOrStale(exists: boolean, what: string, expectedVersion: number): DomainError {
  return exists
    ? new DomainError(
        'precondition_failed',
        `The ${what} was changed since version ${expectedVersion}; read it again and retry.`,
      )
    : new DomainError('not_found', `The ${what} does not exist.`);
}
