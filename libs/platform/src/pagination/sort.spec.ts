import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../errors/domain-error.js';
import { parseSort, type SortSpec } from './sort.js';

const ALLOWED = ['createdAt', 'updatedAt', 'dueAt', 'priority'] as const;
type TaskSortField = (typeof ALLOWED)[number];
const FALLBACK: SortSpec<TaskSortField> = { field: 'createdAt', direction: 'desc' };

function sortError(input: string): DomainError {
  try {
    parseSort(input, ALLOWED, FALLBACK);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`expected the sort ${JSON.stringify(input)} to be refused`);
}

describe('parseSort', () => {
  it.each([undefined, ''])('returns the fallback when the sort is %p', (input) => {
    expect(parseSort(input, ALLOWED, FALLBACK)).toEqual(FALLBACK);
  });

  it('sorts ascending by an allowed field given bare', () => {
    expect(parseSort('dueAt', ALLOWED, FALLBACK)).toEqual({ field: 'dueAt', direction: 'asc' });
  });

  it('sorts ascending by an allowed field prefixed with "+"', () => {
    expect(parseSort('+priority', ALLOWED, FALLBACK)).toEqual({ field: 'priority', direction: 'asc' });
  });

  it('sorts descending by an allowed field prefixed with "-"', () => {
    expect(parseSort('-updatedAt', ALLOWED, FALLBACK)).toEqual({ field: 'updatedAt', direction: 'desc' });
  });

  it.each(['title', 'createdat', 'created_at', '--createdAt', '-', 'createdAt,dueAt', 'password'])(
    'refuses %p with a 422 naming the allowed fields',
    (input) => {
      const error = sortError(input);

      expect(error.code).toBe('validation_failed');
      expect(error.errors).toEqual([
        {
          field: 'sort',
          message: 'sort must be one of createdAt, updatedAt, dueAt, priority (prefix - for descending)',
        },
      ]);
    },
  );
});
