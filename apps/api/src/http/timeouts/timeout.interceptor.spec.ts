import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Observable, of } from 'rxjs';
import { type AppConfig, DomainError, RequestCancelledError, RequestContext } from '@groundwork/platform';
import { Timeout } from './timeout.decorator.js';
import { TimeoutInterceptor } from './timeout.interceptor.js';

@Controller('things')
class ThingsController {
  @Get()
  byDefault(): void {}

  @Get('quick')
  @Timeout(200)
  quick(): void {}

  @Get('stream')
  @Timeout(false)
  stream(): void {}
}

@Controller('probes')
@Timeout(false)
class ProbesController {
  @Get()
  probe(): void {}
}

class FakeResponse {
  headersSent = false;
}

const DEFAULT_BUDGET_MS = 1_000;

function interceptor(): TimeoutInterceptor {
  const config = { http: { requestTimeoutMs: DEFAULT_BUDGET_MS } } as AppConfig;
  const adapterHost = {
    httpAdapter: { isHeadersSent: (response: FakeResponse) => response.headersSent },
  } as unknown as HttpAdapterHost;
  return new TimeoutInterceptor(new Reflector(), config, adapterHost);
}

function host(controller: object & { prototype: object }, handler: string, response = new FakeResponse()) {
  const method = (controller.prototype as Record<string, () => void>)[handler];
  if (!method) throw new Error(`no handler ${handler}`);
  const context = new ExecutionContextHost([{}, response], controller as never, method);
  context.setType('http');
  return context;
}

/** A handler that never answers, like one waiting on a slow query. */
const hanging = { handle: () => new Observable<unknown>(() => undefined) };

/** Subscribes inside a cancellable request context; records what the subscriber receives. */
function run(context: ExecutionContextHost, next = hanging) {
  const controller = new AbortController();
  const seen: { error?: unknown; value?: unknown } = {};
  RequestContext.runCancellable({ requestId: 'r-1' }, controller, () =>
    interceptor()
      .intercept(context, next)
      .subscribe({ next: (value) => (seen.value = value), error: (error: unknown) => (seen.error = error) }),
  );
  return { signal: controller.signal, seen };
}

describe('TimeoutInterceptor', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers the timeout problem and aborts the request’s signal when the route’s budget runs out', () => {
    const { signal, seen } = run(host(ThingsController, 'quick'));

    jest.advanceTimersByTime(199);
    expect(seen.error).toBeUndefined();
    expect(signal.aborted).toBe(false);

    jest.advanceTimersByTime(1);
    expect(seen.error).toBeInstanceOf(DomainError);
    expect(seen.error).toMatchObject({ code: 'timeout', retryAfterSeconds: 5 });
    expect(signal.reason).toBeInstanceOf(RequestCancelledError);
    expect(signal.reason).toMatchObject({ kind: 'timeout', budgetMs: 200 });
  });

  it('aborts a lazily created request signal too, without creating it while the budget lasts', () => {
    const context = RequestContext.cancellable({ requestId: 'r-lazy' });
    const seen: { error?: unknown } = {};
    RequestContext.run(context, () =>
      interceptor()
        .intercept(host(ThingsController, 'quick'), hanging)
        .subscribe({ error: (error: unknown) => (seen.error = error) }),
    );

    jest.advanceTimersByTime(200);

    expect(seen.error).toMatchObject({ code: 'timeout' });
    expect(context.signal?.aborted).toBe(true);
    expect(context.signal?.reason).toMatchObject({ kind: 'timeout', budgetMs: 200 });
  });

  it('gives routes without @Timeout the configured budget (REQUEST_TIMEOUT_MS)', () => {
    const { signal, seen } = run(host(ThingsController, 'byDefault'));

    jest.advanceTimersByTime(DEFAULT_BUDGET_MS - 1);
    expect(signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(seen.error).toMatchObject({ code: 'timeout' });
  });

  it('leaves routes and controllers marked @Timeout(false) unbounded', () => {
    for (const context of [host(ThingsController, 'stream'), host(ProbesController, 'probe')]) {
      const { signal, seen } = run(context);

      jest.advanceTimersByTime(10 * DEFAULT_BUDGET_MS);

      expect(signal.aborted).toBe(false);
      expect(seen.error).toBeUndefined();
    }
  });

  it('lets a response that has already started finish', () => {
    const response = new FakeResponse();
    const { signal, seen } = run(host(ThingsController, 'quick', response));

    response.headersSent = true;
    jest.advanceTimersByTime(200);

    expect(signal.aborted).toBe(false);
    expect(seen.error).toBeUndefined();
  });

  it('passes a timely answer through and stops its timer', () => {
    const { signal, seen } = run(host(ThingsController, 'quick'), { handle: () => of({ id: 1 }) });

    expect(seen.value).toEqual({ id: 1 });
    expect(jest.getTimerCount()).toBe(0);
    expect(signal.aborted).toBe(false);
  });
});
