import { describe, expect, it } from '@jest/globals';
import { type DomainErrorCode, httpStatusOf } from './domain-error.js';
import { fromPrismaError } from './prisma-errors.js';

const SQL_MESSAGE = 'Unique constraint failed on the fields: (`email`) in SELECT "password_hash" FROM "users"';

function knownRequestError(code: string): Error {
  return Object.assign(new Error(SQL_MESSAGE), { name: 'PrismaClientKnownRequestError', code });
}

describe('fromPrismaError', () => {
  it.each<[string, DomainErrorCode, number]>([
    ['P2002', 'conflict', 409],
    ['P2003', 'conflict', 409],
    ['P2034', 'conflict', 409],
    ['P2025', 'not_found', 404],
    ['P2015', 'not_found', 404],
  ])('maps %s to %s (%i)', (prismaCode, code, status) => {
    const error = fromPrismaError(knownRequestError(prismaCode));

    expect(error?.code).toBe(code);
    expect(httpStatusOf(code)).toBe(status);
    expect(error?.retryAfterSeconds).toBeUndefined();
  });

  it.each(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028'])(
    'maps %s to unavailable (503) with a Retry-After',
    (prismaCode) => {
      const error = fromPrismaError(knownRequestError(prismaCode));

      expect(error?.code).toBe('unavailable');
      expect(error?.retryAfterSeconds).toBe(5);
    },
  );

  it.each(['57P01', '57P02', '57P03', '08006', '08001', '53300'])(
    'maps SQLSTATE %s (the server restarting, starting or refusing) to unavailable (503) with a Retry-After',
    (sqlState) => {
      const goingAway = Object.assign(knownRequestError('P2010'), {
        meta: { driverAdapterError: { cause: { originalCode: sqlState, kind: 'postgres' } } },
      });

      const error = fromPrismaError(goingAway);

      expect(error?.code).toBe('unavailable');
      expect(error?.retryAfterSeconds).toBe(5);
      expect(error?.message).not.toMatch(/SELECT|users/);
    },
  );

  it.each(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'])(
    'maps a driver adapter %s to unavailable (503)',
    (kind) => {
      const unreachable = Object.assign(new Error('driver adapter error'), {
        name: 'DriverAdapterError',
        cause: { kind },
      });

      expect(fromPrismaError(unreachable)?.code).toBe('unavailable');
    },
  );

  it('maps a connection the server dropped mid-query (no SQLSTATE) to unavailable', () => {
    const dropped = Object.assign(new Error('Connection terminated unexpectedly'), {
      name: 'PrismaClientUnknownRequestError',
    });

    expect(fromPrismaError(dropped)?.code).toBe('unavailable');
  });

  it('maps pg refusing a broken connection inside a transaction (a plain Error) to unavailable', () => {
    const broken = new Error('Client has encountered a connection error and is not queryable');
    const exhausted = new Error('timeout exceeded when trying to connect');

    expect(fromPrismaError(broken)?.code).toBe('unavailable');
    expect(fromPrismaError(exhausted)?.code).toBe('unavailable');
  });

  it('leaves other plain errors alone', () => {
    expect(fromPrismaError(new Error('Connection refused by the policy engine'))).toBeUndefined();
  });

  it('maps a client that could not initialise (database down at boot) to unavailable', () => {
    const initialization = Object.assign(new Error("Can't reach database server"), {
      name: 'PrismaClientInitializationError',
    });

    const error = fromPrismaError(initialization);

    expect(error?.code).toBe('unavailable');
    expect(error?.retryAfterSeconds).toBe(5);
  });

  it.each(['P2010', 'P2039'])(
    'maps a statement ended by statement_timeout (%s, SQLSTATE 57014) to timeout (503) with a Retry-After',
    (prismaCode) => {
      const cancelled = Object.assign(knownRequestError(prismaCode), {
        meta: { driverAdapterError: { cause: { originalCode: '57014', kind: 'postgres' } } },
      });

      const error = fromPrismaError(cancelled);

      expect(error?.code).toBe('timeout');
      expect(error?.retryAfterSeconds).toBe(5);
      expect(error?.message).not.toMatch(/SELECT|users/);
    },
  );

  it.each(['22021', '22P05'])(
    'maps text PostgreSQL cannot store (SQLSTATE %s, a NUL byte) to bad_request (400)',
    (state) => {
      const unstorable = Object.assign(knownRequestError('P2010'), {
        meta: { driverAdapterError: { cause: { originalCode: state, kind: 'postgres' } } },
      });

      const error = fromPrismaError(unstorable);

      expect(error?.code).toBe('bad_request');
      expect(httpStatusOf('bad_request')).toBe(400);
    },
  );

  it('keeps the Prisma error as the cause, for the log', () => {
    const prismaError = knownRequestError('P2002');

    expect(fromPrismaError(prismaError)?.cause).toBe(prismaError);
  });

  it('never carries the SQL or the column names of the Prisma message', () => {
    for (const code of ['P2002', 'P2003', 'P2025', 'P2034', 'P1001']) {
      const message = fromPrismaError(knownRequestError(code))?.message ?? '';

      expect(message).not.toMatch(/SELECT|users|password|email/);
    }
  });

  it.each([
    ['an unknown Prisma error code', knownRequestError('P2000')],
    ['a Prisma error without a code', Object.assign(new Error('x'), { name: 'PrismaClientKnownRequestError' })],
    ['a validation error of the Prisma client', Object.assign(new Error('x'), { name: 'PrismaClientValidationError' })],
    ['a plain Error with a Prisma-like code', Object.assign(new Error('x'), { code: 'P2002' })],
    ['a plain object shaped like a Prisma error', { name: 'PrismaClientKnownRequestError', code: 'P2002' }],
    ['a string', 'P2002'],
    ['undefined', undefined],
  ])('leaves %s unmapped (undefined)', (_what, error) => {
    expect(fromPrismaError(error)).toBeUndefined();
  });
});
