import { describe, expect, it } from '@jest/globals';
import { resolveRequestId, resolveTraceparent } from './request-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('resolveRequestId', () => {
  it.each([
    ['a short token', 'req-123'],
    ['a UUID', '0190f0e1-5c2a-7b3e-9f00-123456789abc'],
    ['every allowed punctuation mark', 'svc.a_b:c@d/e+f=g-h'],
    ['exactly 128 characters', 'a'.repeat(128)],
  ])('echoes %s', (_what, id) => {
    expect(resolveRequestId(id)).toBe(id);
  });

  it('takes the first of repeated headers', () => {
    expect(resolveRequestId(['first-id', 'second-id'])).toBe('first-id');
  });

  it.each([
    ['a missing header', undefined],
    ['an empty value', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a CR LF (header or log injection)', 'abc\r\nX-Injected: 1'],
    ['a bare LF', 'abc\ndef'],
    ['a space', 'abc def'],
    ['a tab', 'abc\tdef'],
    ['a quote', 'abc"def'],
    ['non-ASCII text', 'réquête'],
    ['a NUL character', 'abc\u0000'],
  ])('generates a UUID v7 instead of %s', (_what, incoming) => {
    const id = resolveRequestId(incoming);

    expect(id).toMatch(UUID_V7);
    expect(id).not.toBe(incoming);
  });

  it('generates a different id for each request', () => {
    const ids = new Set(Array.from({ length: 50 }, () => resolveRequestId(undefined)));

    expect(ids.size).toBe(50);
  });
});

describe('resolveTraceparent', () => {
  it('accepts a W3C traceparent', () => {
    expect(resolveTraceparent(TRACEPARENT)).toBe(TRACEPARENT);
  });

  it('accepts an unsampled trace (flags 00)', () => {
    const unsampled = TRACEPARENT.replace(/-01$/, '-00');

    expect(resolveTraceparent(unsampled)).toBe(unsampled);
  });

  it('takes the first of repeated headers', () => {
    expect(resolveTraceparent([TRACEPARENT, 'garbage'])).toBe(TRACEPARENT);
  });

  it.each([
    ['a missing header', undefined],
    ['an empty value', ''],
    ['garbage', 'not-a-traceparent'],
    ['upper-case hex', TRACEPARENT.toUpperCase()],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['a long parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b70-01'],
    ['non-hex characters', '00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01'],
    ['missing flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['a trailing CR LF', `${TRACEPARENT}\r\n`],
    ['the forbidden version ff', TRACEPARENT.replace(/^00/, 'ff')],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
  ])('drops %s', (_what, incoming) => {
    expect(resolveTraceparent(incoming)).toBeUndefined();
  });
});
