import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Controller, Post } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of, throwError } from 'rxjs';
import {
  type BeginResult,
  type CompleteOptions,
  DomainError,
  IdempotencyStore,
  type StoredReply,
} from '@groundwork/platform';
import type { Principal } from '../auth/principal.js';
import { setRequestAuth } from '../auth/request-auth.js';
import { Idempotent } from './idempotent.decorator.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

@Controller('things')
class ThingsController {
  @Post()
  @Idempotent()
  create(): void {}

  @Post('secret')
  @Idempotent({ sealReplay: true })
  createSecret(): void {}

  @Post('plain')
  plain(): void {}
}

/** Answers `begin` with a fixed outcome and records every call. */
class FakeStore {
  readonly calls: unknown[][] = [];
  constructor(private readonly outcome: BeginResult) {}
  async begin(scope: string, key: string, fingerprint: string): Promise<BeginResult> {
    this.calls.push(['begin', scope, key, fingerprint]);
    return this.outcome;
  }
  async complete(scope: string, key: string, attemptId: string, reply: StoredReply, options: CompleteOptions) {
    this.calls.push(['complete', scope, key, attemptId, reply, options]);
    return true;
  }
  async abandon(scope: string, key: string, attemptId: string): Promise<void> {
    this.calls.push(['abandon', scope, key, attemptId]);
  }
}

class FakeResponse {
  statusCode = 201;
  readonly headers: Record<string, string> = {};
}

async function interceptorWith(store: FakeStore): Promise<IdempotencyInterceptor> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      IdempotencyInterceptor,
      Reflector,
      { provide: IdempotencyStore, useValue: store },
      {
        provide: HttpAdapterHost,
        useValue: {
          httpAdapter: {
            setHeader: (response: FakeResponse, name: string, value: string) => (response.headers[name] = value),
            getHeader: (response: FakeResponse, name: string) => response.headers[name],
            status: (response: FakeResponse, status: number) => (response.statusCode = status),
          },
        },
      },
    ],
  }).compile();
  return moduleRef.get(IdempotencyInterceptor);
}

const USER: Principal = { kind: 'user', userId: 'u-1', sessionId: 's-1', via: 'bearer' };

function call(handler: keyof ThingsController, headers: Record<string, string>, response = new FakeResponse()) {
  const request = { method: 'POST', originalUrl: '/v1/things?x=1', headers, body: { name: 'Acme' } };
  setRequestAuth(request, { principal: USER });
  const host = new ExecutionContextHost([request, response], ThingsController, ThingsController.prototype[handler]);
  host.setType('http');
  return { host, response };
}

const started: BeginResult = { outcome: 'started', attemptId: 'a-1' };

describe('IdempotencyInterceptor', () => {
  it('leaves routes without @Idempotent() and requests without the header alone', async () => {
    const store = new FakeStore(started);
    const interceptor = await interceptorWith(store);
    const next = { handle: () => of({ id: 1 }) };

    await lastValueFrom(interceptor.intercept(call('plain', { 'idempotency-key': 'k' }).host, next));
    await lastValueFrom(interceptor.intercept(call('create', {}).host, next));

    expect(store.calls).toEqual([]);
  });

  it('claims the key in the caller’s scope, stores the status, replayable headers and body', async () => {
    const store = new FakeStore(started);
    const interceptor = await interceptorWith(store);
    const response = new FakeResponse();
    response.headers.location = 'http://api.test/v1/things/1';
    response.headers['x-request-id'] = 'not replayed';

    const result = await lastValueFrom(
      interceptor.intercept(call('createSecret', { 'idempotency-key': 'k-1' }, response).host, {
        handle: () => of({ id: 1, secret: 's' }),
      }),
    );

    expect(result).toEqual({ id: 1, secret: 's' });
    expect(store.calls[0]).toEqual([
      'begin',
      'user:u-1 POST /v1/things',
      'k-1',
      expect.stringMatching(/^[0-9a-f]{64}$/),
    ]);
    expect(store.calls[1]).toEqual([
      'complete',
      'user:u-1 POST /v1/things',
      'k-1',
      'a-1',
      { status: 201, headers: { location: 'http://api.test/v1/things/1' }, body: '{"id":1,"secret":"s"}' },
      { seal: true },
    ]);
  });

  it('replays a stored reply without running the handler and marks it Idempotent-Replayed', async () => {
    const reply: StoredReply = { status: 201, headers: { location: '/v1/things/1' }, body: '{"id":1}' };
    const interceptor = await interceptorWith(new FakeStore({ outcome: 'replay', reply, fingerprint: 'f'.repeat(64) }));
    let ran = false;
    const { host, response } = call('create', { 'idempotency-key': 'k' });

    const result = await lastValueFrom(
      interceptor.intercept(host, {
        handle: () => {
          ran = true;
          return of({ id: 2 });
        },
      }),
    );

    expect({ result, ran, status: response.statusCode, headers: response.headers }).toEqual({
      result: { id: 1 },
      ran: false,
      status: 201,
      headers: { location: '/v1/things/1', 'Idempotent-Replayed': 'true' },
    });
  });

  it.each([
    ['in_flight', 'conflict'],
    ['mismatch', 'validation_failed'],
  ] as const)('answers %s with DomainError %s', async (outcome, code) => {
    const interceptor = await interceptorWith(new FakeStore({ outcome }));
    const answer = lastValueFrom(
      interceptor.intercept(call('create', { 'idempotency-key': 'k' }).host, { handle: () => of({}) }),
    );
    await expect(answer).rejects.toMatchObject({ name: 'DomainError', code });
  });

  it.each([
    ['empty', ''],
    ['of 256 characters', 'k'.repeat(256)],
    ['with a space', 'with space'],
    ['with non-ASCII', 'naïve'],
  ])('refuses a key %s with a 422 naming the header', async (_label, key) => {
    const store = new FakeStore(started);
    const interceptor = await interceptorWith(store);
    const answer = lastValueFrom(
      interceptor.intercept(call('create', { 'idempotency-key': key }).host, { handle: () => of({}) }),
    );
    await expect(answer).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'Idempotency-Key', message: expect.any(String) }],
    });
    expect(store.calls).toEqual([]);
  });

  it('releases the key when the handler fails, and passes the error on', async () => {
    const store = new FakeStore(started);
    const interceptor = await interceptorWith(store);
    const failure = new DomainError('conflict', 'slug taken');

    const answer = lastValueFrom(
      interceptor.intercept(call('create', { 'idempotency-key': 'k' }).host, {
        handle: () => throwError(() => failure),
      }),
    );

    await expect(answer).rejects.toBe(failure);
    expect(store.calls.map((c) => c[0])).toEqual(['begin', 'abandon']);
  });
});
