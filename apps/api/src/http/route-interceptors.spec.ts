import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { type CallHandler, Controller, type ExecutionContext, Get, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { lastValueFrom, map, type Observable, of } from 'rxjs';
import { RouteInterceptors, type RouteScopedInterceptor } from './route-interceptors.js';
import type { RouteHandler } from './route-memo.js';

const WRAP = 'test:wrap';

/** Wraps the handler's result in its name, on the routes marked with it. */
class Wrapping implements RouteScopedInterceptor {
  readonly asked: string[] = [];

  constructor(private readonly name: string) {}

  appliesTo(handler: RouteHandler): boolean {
    this.asked.push(handler.name);
    return (new Reflector().get<string[] | undefined>(WRAP, handler) ?? []).includes(this.name);
  }

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value: unknown) => `${this.name}(${String(value)})`));
  }
}

/** Refuses before the handler runs, as content negotiation does with a 406. */
class Refusing implements RouteScopedInterceptor {
  appliesTo(handler: RouteHandler): boolean {
    return handler.name === 'refused';
  }

  intercept(): Observable<unknown> {
    throw new Error('refused before the handler');
  }
}

@Controller('things')
class ThingsController {
  @Get('both')
  @SetMetadata(WRAP, ['outer', 'inner'])
  both(): void {}

  @Get('inner')
  @SetMetadata(WRAP, ['inner'])
  innerOnly(): void {}

  @Get('none')
  none(): void {}

  @Get('refused')
  @SetMetadata(WRAP, ['outer'])
  refused(): void {}
}

function context(handler: keyof ThingsController): ExecutionContextHost {
  const host = new ExecutionContextHost([{}, {}], ThingsController, ThingsController.prototype[handler]);
  host.setType('http');
  return host;
}

function setUp() {
  const outer = new Wrapping('outer');
  const inner = new Wrapping('inner');
  const handled: string[] = [];
  const interceptors = new RouteInterceptors([outer, inner, new Refusing()]);
  const call = (handler: keyof ThingsController) =>
    lastValueFrom(
      interceptors.intercept(context(handler), {
        handle: () => {
          handled.push(handler);
          return of('result');
        },
      }),
    );
  return { outer, inner, handled, call };
}

describe('RouteInterceptors', () => {
  it('runs the interceptors that apply to a route, in their order, the first outermost', async () => {
    const { call } = setUp();

    await expect(call('both')).resolves.toBe('outer(inner(result))');
    await expect(call('innerOnly')).resolves.toBe('inner(result)');
  });

  it('passes a route that none of them concerns straight to its handler', async () => {
    const { call, handled } = setUp();

    await expect(call('none')).resolves.toBe('result');
    expect(handled).toEqual(['none']);
  });

  it('asks each interceptor once per route, not on every request', async () => {
    const { call, outer } = setUp();

    await call('both');
    await call('both');
    await call('none');

    expect(outer.asked).toEqual(['both', 'none']);
  });

  it('turns what an inner interceptor throws into an error of the stream, and never reaches the handler', async () => {
    const { call, handled } = setUp();

    await expect(call('refused')).rejects.toThrow('refused before the handler');
    expect(handled).toEqual([]);
  });
});
