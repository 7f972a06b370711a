import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { forRequestsWithBody, type Middleware, middlewareChain } from './middleware-chain.js';

function request(headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

/** Runs a middleware to its `next`; resolves with what it was called with (`'none'` if never). */
function run(middleware: Middleware, req = request()): { outcome: unknown; trail: string[] } {
  let outcome: unknown = 'none';
  middleware(req, new ServerResponse(req), (error?: unknown) => (outcome = error ?? 'next'));
  return { outcome, trail: (req as IncomingMessage & { trail?: string[] }).trail ?? [] };
}

const step =
  (name: string, error?: unknown): Middleware =>
  (req, _res, next) => {
    const trailed = req as IncomingMessage & { trail?: string[] };
    trailed.trail = [...(trailed.trail ?? []), name];
    next(error);
  };

describe('middlewareChain', () => {
  it('runs every middleware in order, then calls next once with no error', () => {
    expect(run(middlewareChain(step('a'), step('b'), step('c')))).toEqual({ outcome: 'next', trail: ['a', 'b', 'c'] });
  });

  it('stops at the first error passed to next and hands it on', () => {
    const failure = new Error('refused');
    expect(run(middlewareChain(step('a'), step('b', failure), step('c')))).toEqual({
      outcome: failure,
      trail: ['a', 'b'],
    });
  });

  it('hands on an error a middleware throws, and runs nothing after it', () => {
    const failure = new Error('thrown');
    const throwing: Middleware = () => {
      throw failure;
    };
    expect(run(middlewareChain(step('a'), throwing, step('c')))).toEqual({ outcome: failure, trail: ['a'] });
  });

  it('stops where a middleware answers without calling next', () => {
    const answering: Middleware = (_req, res) => void res.writeHead(204);
    expect(run(middlewareChain(step('a'), answering, step('c')))).toEqual({ outcome: 'none', trail: ['a'] });
  });
});

describe('forRequestsWithBody', () => {
  const stage = forRequestsWithBody(middlewareChain(step('parse')));

  it('skips the stage for a request that announces no body', () => {
    expect(run(stage, request())).toEqual({ outcome: 'next', trail: [] });
  });

  it('runs it for a Content-Length (0 included, as body-parser decides) or a Transfer-Encoding', () => {
    expect(run(stage, request({ 'content-length': '12' })).trail).toEqual(['parse']);
    expect(run(stage, request({ 'content-length': '0' })).trail).toEqual(['parse']);
    expect(run(stage, request({ 'transfer-encoding': 'chunked' })).trail).toEqual(['parse']);
  });
});
