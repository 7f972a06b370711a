import { DomainError } from '../errors/domain-error.js';

export type SortDirection = 'asc' | 'desc';

export interface SortSpec<F extends string> {
  field: F;
  direction: SortDirection;
}

/**
 * Parses `?sort=field` / `?sort=-field` against an allow-list; anything else is a 422 naming
 * the fields that are allowed.
 */
export function parseSort<F extends string>(
  input: string | undefined,
  allowed: readonly F[],
  fallback: SortSpec<F>,
): SortSpec<F> {
  if (input === undefined || input === '') return fallback;
  const direction: SortDirection = input.startsWith('-') ? 'desc' : 'asc';
  const field = input.replace(/^[-+]/, '');
  if (!(allowed as readonly string[]).includes(field)) {
    throw new DomainError('validation_failed', 'The sort field is not supported.', {
      errors: [{ field: 'sort', message: `sort must be one of ${allowed.join(', ')} (prefix - for descending)` }],
    });
  }
  return { field: field as F, direction };
}
