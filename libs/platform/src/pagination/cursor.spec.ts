import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../errors/domain-error.js';
import { CursorCodec, type CursorValue, cursorScope } from './cursor.js';

const SCOPE = cursorScope(['tasks', 'workspace-1', 'createdAt']);

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The error decode throws for `token` (fails the test if it decodes). */
function decodeError(token: string, scope = SCOPE): DomainError {
  try {
    CursorCodec.decode(scope, token);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`expected the cursor ${JSON.stringify(token)} to be refused`);
}

describe('cursorScope', () => {
  it('gives the same short fingerprint for the same list, sort and filters', () => {
    const a = cursorScope(['tasks', 'workspace-1', { status: ['todo'] }]);
    const b = cursorScope(['tasks', 'workspace-1', { status: ['todo'] }]);

    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  it('gives different fingerprints when any part differs', () => {
    const scopes = new Set([
      cursorScope(['tasks', 'workspace-1', 'createdAt']),
      cursorScope(['tasks', 'workspace-2', 'createdAt']),
      cursorScope(['tasks', 'workspace-1', '-createdAt']),
      cursorScope(['projects', 'workspace-1', 'createdAt']),
    ]);

    expect(scopes.size).toBe(4);
  });
});

describe('CursorCodec', () => {
  describe('round trip', () => {
    it.each<[string, CursorValue[]]>([
      ['a timestamp and an id', ['2026-01-01T00:00:00.000Z', '0190f0e1-0000-7000-8000-000000000001']],
      ['a number', [42, 'id-1']],
      ['a boolean', [true, 'id-1']],
      ['a null sort value', [null, 'id-1']],
      ['text with unicode and quotes', ['café "quoted" 🙂', 'id-1']],
    ])('decodes what it encoded: %s', (_what, values) => {
      const token = CursorCodec.encode(SCOPE, values);

      expect(CursorCodec.decode(SCOPE, token)).toEqual(values);
    });

    it('encodes to URL-safe characters only', () => {
      const token = CursorCodec.encode(SCOPE, ['??>>~~ //++', 'id-1']);

      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    });
  });

  describe('refusals', () => {
    it('refuses a cursor issued for another list, sort or filter set', () => {
      const token = CursorCodec.encode(cursorScope(['projects', 'workspace-1', 'createdAt']), ['x', 'id-1']);

      const error = decodeError(token);

      expect(error.code).toBe('invalid_cursor');
      expect(error.message).toMatch(/another list, sort or filter/);
    });

    it.each<[string, string]>([
      ['an empty string', ''],
      ['text that is not base64url', 'not a cursor!'],
      ['standard base64 with padding', Buffer.from('{"s":"x","k":[1]}?').toString('base64')],
      ['base64 with "+" and "/"', 'ab+cd/ef'],
      ['base64url of text that is not JSON', base64url('hello world')],
      ['base64url of truncated JSON', base64url('{"s":"abc","k":[1')],
      ['JSON null', base64url('null')],
      ['a JSON number', base64url('42')],
      ['a JSON string', base64url('"cursor"')],
      ['a JSON array', base64url('["s", [1]]')],
      ['a JSON object without fields', base64url('{}')],
      ['a JSON object without the values', base64url(JSON.stringify({ s: SCOPE }))],
      ['a JSON object without the scope', base64url(JSON.stringify({ k: ['x', 'id-1'] }))],
      ['a scope that is not a string', base64url(JSON.stringify({ s: 7, k: ['x', 'id-1'] }))],
      ['values that are not an array', base64url(JSON.stringify({ s: SCOPE, k: 'x' }))],
      ['an empty array of values', base64url(JSON.stringify({ s: SCOPE, k: [] }))],
      ['an object among the values', base64url(JSON.stringify({ s: SCOPE, k: [{ $gt: 1 }, 'id-1'] }))],
      ['an array among the values', base64url(JSON.stringify({ s: SCOPE, k: [['x'], 'id-1'] }))],
      ['more than 1024 characters', 'A'.repeat(1025)],
      ['an emoji', '🙂'],
      ['base64url text with an emoji appended', `${CursorCodec.encode(SCOPE, ['x', 'id-1'])}🙂`],
      ['a NUL character', `${CursorCodec.encode(SCOPE, ['x', 'id-1'])}\u0000`],
      ['a newline', `${CursorCodec.encode(SCOPE, ['x', 'id-1'])}\n`],
    ])('refuses %s as invalid_cursor', (_what, token) => {
      const error = decodeError(token);

      expect(error.code).toBe('invalid_cursor');
      expect(error.message).toMatch(/^The cursor is invalid: /);
    });

    it('refuses a well-formed cursor longer than 1024 characters', () => {
      const token = CursorCodec.encode(SCOPE, ['x'.repeat(800), 'id-1']);
      expect(token.length).toBeGreaterThan(1024);

      expect(decodeError(token).code).toBe('invalid_cursor');
    });

    it('does not echo the token in its message', () => {
      const token = base64url('<script>alert(1)</script>');

      expect(decodeError(token).message).not.toContain(token);
    });
  });
});
