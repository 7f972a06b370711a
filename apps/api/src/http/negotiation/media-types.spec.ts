import { describe, expect, it } from '@jest/globals';
import { chooseRepresentation } from './media-types.js';

const ALL = ['json', 'xml', 'protobuf'] as const;

describe('chooseRepresentation', () => {
  it('answers JSON when there is no Accept header, or it is empty', () => {
    expect(chooseRepresentation(undefined, ALL)).toBe('json');
    expect(chooseRepresentation('  ', ALL)).toBe('json');
  });

  it('answers JSON for */* and application/*, the server’s first choice', () => {
    expect(chooseRepresentation('*/*', ALL)).toBe('json');
    expect(chooseRepresentation('application/*', ALL)).toBe('json');
  });

  it('picks the one representation asked for', () => {
    expect(chooseRepresentation('application/xml', ALL)).toBe('xml');
    expect(chooseRepresentation('application/x-protobuf', ALL)).toBe('protobuf');
  });

  it('follows quality values, the most specific range deciding a type’s quality', () => {
    expect(chooseRepresentation('application/xml;q=0.5, application/x-protobuf', ALL)).toBe('protobuf');
    expect(chooseRepresentation('application/json;q=0.1, */*;q=0.9', ALL)).toBe('xml');
    expect(chooseRepresentation('application/*;q=0.2, application/xml;q=0.8', ALL)).toBe('xml');
  });

  it('treats q=0 as "not acceptable"', () => {
    expect(chooseRepresentation('application/json;q=0, application/xml;q=0', ['json', 'xml'])).toBeUndefined();
  });

  it('finds nothing acceptable for other types (406)', () => {
    expect(chooseRepresentation('text/html', ALL)).toBeUndefined();
    expect(chooseRepresentation('image/png, text/csv;q=0.5', ALL)).toBeUndefined();
    expect(chooseRepresentation('garbage', ALL)).toBeUndefined();
  });
});
