import { describe, expect, it } from '@jest/globals';
import { DomainError, newId } from '@groundwork/platform';
import type { FlagInput } from './flag-definition.js';
import { validateFlag } from './flag-validation.js';

function fieldsOf(key: string, input: FlagInput): string[] {
  try {
    validateFlag(key, input);
    return [];
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
    return (error.errors ?? []).map((e) => e.field);
  }
}

describe('validateFlag', () => {
  it('accepts a boolean flag and a variant flag', () => {
    expect(fieldsOf('beta.board', { enabled: true, rolloutPercent: 25, workspaceIds: [newId()] })).toEqual([]);
    expect(
      fieldsOf('theme', { enabled: true, variants: { light: '#fff', dark: '#000' }, defaultVariant: 'dark' }),
    ).toEqual([]);
  });

  it.each(['a', 'Upper', '1st', '-x', 'a b', 'x'.repeat(65), 'é-flag'])('refuses the key %j', (key) => {
    expect(fieldsOf(key, { enabled: true })).toEqual(['key']);
  });

  it.each([-1, 101, 12.5])('refuses rolloutPercent %j', (rolloutPercent) => {
    expect(fieldsOf('beta', { enabled: true, rolloutPercent })).toEqual(['rolloutPercent']);
  });

  it('refuses more than 1,000 workspaces, and ids that are no UUIDs', () => {
    const many = Array.from({ length: 1001 }, () => newId());
    expect(fieldsOf('beta', { enabled: true, workspaceIds: many })).toEqual(['workspaceIds']);
    expect(fieldsOf('beta', { enabled: true, workspaceIds: many.slice(0, 1000) })).toEqual([]);
    expect(fieldsOf('beta', { enabled: true, workspaceIds: ['nope'] })).toEqual(['workspaceIds']);
  });

  it('refuses more than 20 variants, a defaultVariant naming none of them, and one without variants', () => {
    const variants = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`v${i}`, `value ${i}`]));
    expect(fieldsOf('beta', { enabled: true, variants, defaultVariant: 'v0' })).toEqual(['variants']);
    expect(fieldsOf('beta', { enabled: true, variants: { a: '1' }, defaultVariant: 'b' })).toEqual(['defaultVariant']);
    expect(fieldsOf('beta', { enabled: true, variants: { a: '1' } })).toEqual(['defaultVariant']);
    expect(fieldsOf('beta', { enabled: true, defaultVariant: 'a' })).toEqual(['defaultVariant']);
    expect(fieldsOf('beta', { enabled: true, variants: {}, defaultVariant: 'a' })).toEqual([
      'variants',
      'defaultVariant',
    ]);
  });
});
