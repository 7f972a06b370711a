import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { RequestCancelledError } from './request-cancellation.js';
import { type RequestWithId, requestContextMiddleware } from './request-context.middleware.js';
import { RequestContext, type RequestContextData } from './request-context.js';

/** Just what the middleware touches: headers in, a header out, `close` and `writableEnded`. */
class FakeResponse extends EventEmitter {
  writableEnded = false;
  readonly headers: Record<string, string> = {};
  setHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
}

function handle(): { response: FakeResponse; context: RequestContextData } {
  const request = { headers: {}, socket: { remoteAddress: '10.0.0.1' } } as unknown as RequestWithId;
  const response = new FakeResponse();
  let context: RequestContextData | undefined;
  requestContextMiddleware(request, response as unknown as ServerResponse, () => {
    context = RequestContext.current();
  });
  if (!context) throw new Error('next() ran outside a request context');
  return { response, context };
}

describe('requestContextMiddleware: cancellation on client disconnect', () => {
  it('aborts the signal someone already holds when the connection closes before the response ended', () => {
    const { response, context } = handle();
    const signal = context.signal;

    response.emit('close');

    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(RequestCancelledError);
    expect(signal?.reason).toMatchObject({ kind: 'client_disconnected' });
  });

  it('a signal first asked for after the disconnect is already aborted', () => {
    const { response, context } = handle();

    response.emit('close');

    expect(context.signal?.aborted).toBe(true);
    expect(context.signal?.reason).toMatchObject({ kind: 'client_disconnected' });
  });

  it('a response that ended and then closed (the normal case) aborts nothing', () => {
    const { response, context } = handle();
    const signal = context.signal;

    response.writableEnded = true;
    response.emit('close');

    expect(signal?.aborted).toBe(false);
    expect(context.signal?.aborted).toBe(false);
    expect(response.headers['X-Request-Id']).toBe(context.requestId);
  });
});
