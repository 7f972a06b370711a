import { describe, expect, it } from '@jest/globals';
import { acceptsEventStream } from './events.controller.js';
import { bearerSubprotocolToken } from './upgrade-authenticator.js';

describe('acceptsEventStream', () => {
  it.each([
    ['text/event-stream', true],
    ['application/json, text/event-stream;q=0.5', true],
    ['TEXT/EVENT-STREAM', true],
    ['text/event-stream;q=0', false],
    ['*/*', false],
    ['application/json', false],
    [undefined, false],
  ])('%s → %s', (accept, expected) => {
    expect(acceptsEventStream(accept)).toBe(expected);
  });
});

describe('bearerSubprotocolToken', () => {
  it.each([
    ['bearer, abc.def.ghi', 'abc.def.ghi'],
    ['Bearer,abc', 'abc'],
    ['chat, bearer, tok', 'tok'],
    ['bearer', undefined],
    ['chat', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(bearerSubprotocolToken(header)).toBe(expected);
  });
});
