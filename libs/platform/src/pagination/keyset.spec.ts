import { describe, expect, it } from '@jest/globals';
import { keysetAfter, keysetOrderBy } from './keyset.js';

const AT = '2026-01-01T00:00:00.000Z';
const ID = '0190f0e1-0000-7000-8000-000000000001';

describe('keysetAfter', () => {
  it('selects later values, or the same value with a later id, sorting ascending', () => {
    const where = keysetAfter({ field: 'createdAt', direction: 'asc' }, AT, ID, { nullable: false });

    expect(where).toEqual({
      AND: [{ createdAt: { gte: AT } }, { OR: [{ createdAt: { gt: AT } }, { createdAt: AT, id: { gt: ID } }] }],
    });
  });

  it('selects earlier values, or the same value with an earlier id, sorting descending', () => {
    const where = keysetAfter({ field: 'createdAt', direction: 'desc' }, AT, ID, { nullable: false });

    expect(where).toEqual({
      AND: [{ createdAt: { lte: AT } }, { OR: [{ createdAt: { lt: AT } }, { createdAt: AT, id: { lt: ID } }] }],
    });
  });

  it.each(['asc', 'desc'] as const)(
    'includes the trailing NULLs after a non-null value of a nullable field (%s)',
    (direction) => {
      const cmp = direction === 'asc' ? 'gt' : 'lt';

      const where = keysetAfter({ field: 'dueAt', direction }, AT, ID, { nullable: true });

      const bound = direction === 'asc' ? 'gte' : 'lte';
      expect(where).toEqual({
        OR: [
          { AND: [{ dueAt: { [bound]: AT } }, { OR: [{ dueAt: { [cmp]: AT } }, { dueAt: AT, id: { [cmp]: ID } }] }] },
          { dueAt: null },
        ],
      });
    },
  );

  it.each(['asc', 'desc'] as const)(
    'selects only the NULL rows with a later id once among the NULLs (%s)',
    (direction) => {
      const cmp = direction === 'asc' ? 'gt' : 'lt';

      const where = keysetAfter({ field: 'dueAt', direction }, null, ID, { nullable: true });

      expect(where).toEqual({ dueAt: null, id: { [cmp]: ID } });
    },
  );

  it.each([
    ['asc', 'gt'],
    ['desc', 'lt'],
  ] as const)('compares the id alone when sorting by the id (%s)', (direction, cmp) => {
    const where = keysetAfter({ field: 'id', direction }, ID, ID, { nullable: false });

    expect(where).toEqual({ id: { [cmp]: ID } });
  });

  it('uses the tie-breaker column it is given', () => {
    const where = keysetAfter({ field: 'number', direction: 'asc' }, 7, 'k-1', { nullable: false, idField: 'key' });

    expect(where).toEqual({
      AND: [{ number: { gte: 7 } }, { OR: [{ number: { gt: 7 } }, { number: 7, key: { gt: 'k-1' } }] }],
    });
  });
});

describe('keysetOrderBy', () => {
  it.each(['asc', 'desc'] as const)('orders by the field, then the id, both %s', (direction) => {
    expect(keysetOrderBy({ field: 'createdAt', direction }, { nullable: false })).toEqual([
      { createdAt: direction },
      { id: direction },
    ]);
  });

  it.each(['asc', 'desc'] as const)('puts the NULLs of a nullable field last (%s)', (direction) => {
    expect(keysetOrderBy({ field: 'dueAt', direction }, { nullable: true })).toEqual([
      { dueAt: { sort: direction, nulls: 'last' } },
      { id: direction },
    ]);
  });

  it('orders by the id once when sorting by the id', () => {
    expect(keysetOrderBy({ field: 'id', direction: 'desc' }, { nullable: false })).toEqual([{ id: 'desc' }]);
  });

  it('uses the tie-breaker column it is given', () => {
    expect(keysetOrderBy({ field: 'number', direction: 'asc' }, { nullable: false, idField: 'key' })).toEqual([
      { number: 'asc' },
      { key: 'asc' },
    ]);
  });
});
