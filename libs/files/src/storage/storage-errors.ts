import { DomainError } from '@groundwork/platform';

/** Seconds a client should wait before retrying when the store is away. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** The store failed (unreachable, full, refusing): 503 with Retry-After; the cause goes to the log only. */
export function storageUnavailable(cause: unknown): DomainError {
  return new DomainError('unavailable', 'The file storage is unavailable; retry later.', {
    retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS,
    cause,
  });
}

/** An attachment whose object is gone from the store. */
export function objectMissing(cause?: unknown): DomainError {
  return new DomainError('not_found', 'The attachment’s content is no longer stored.', { cause });
}

/** A failed system call (open, write, rename…): the disk, not the data, is at fault. */
export function isSystemCallError(error: unknown): boolean {
  // Duck-typed: errors of Node's own modules may come from another realm (vm, test runners).
  return typeof error === 'object' && error !== null && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
