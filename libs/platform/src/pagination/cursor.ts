import { createHash } from 'node:crypto';
import { DomainError } from '../errors/domain-error.js';

/** One keyset position: the sort key values of the last row, its id last (the tie-breaker). */
export type CursorValue = string | number | boolean | null;

const MAX_CURSOR_LENGTH = 1024;

/** A short fingerprint of what the cursor belongs to: the list, its sort and its filters. */
export function cursorScope(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

/**
 * Opaque keyset cursors. The token is base64url JSON, opaque by contract (clients must not
 * build or parse it). It carries the scope it was issued for, so a cursor of another list,
 * sort or filter set is refused rather than silently paging the wrong result.
 */
export const CursorCodec = {
  encode(scope: string, values: readonly CursorValue[]): string {
    return Buffer.from(JSON.stringify({ s: scope, k: values }), 'utf8').toString('base64url');
  },

  decode(scope: string, token: string): CursorValue[] {
    const invalid = (why: string) => new DomainError('invalid_cursor', `The cursor is invalid: ${why}.`);
    if (token.length === 0 || token.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) {
      throw invalid('malformed');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw invalid('malformed');
    }
    if (typeof parsed !== 'object' || parsed === null) throw invalid('malformed');
    const { s, k } = parsed as { s?: unknown; k?: unknown };
    if (typeof s !== 'string' || !Array.isArray(k) || k.length === 0) throw invalid('malformed');
    if (!k.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) throw invalid('malformed');
    if (s !== scope) throw invalid('it belongs to another list, sort or filter');
    return k as CursorValue[];
  },
};
