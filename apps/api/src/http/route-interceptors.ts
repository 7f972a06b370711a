import type { CallHandler, ExecutionContext, NestInterceptor, Type } from '@nestjs/common';
import { defer, type Observable } from 'rxjs';
import { type RouteHandler, RouteMemo } from './route-memo.js';

/** A global interceptor that concerns only some routes, which its metadata alone tells apart. */
export interface RouteScopedInterceptor extends NestInterceptor {
  /** Whether the route (handler and controller) has anything for it to do; asked once per route. */
  appliesTo(handler: RouteHandler, controller: Type): boolean;
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown>;
}

/**
 * The api's global interceptors as one, in their order, each route running only those that apply
 * to it. Nest wraps every global interceptor of every request in its own layer of RxJS (a
 * deferred async step, an async resource and a merge) even when it only passes the request on;
 * here the routes that need none of them — most reads need only the time budget — skip those
 * layers, and the choice is made once per route instead of read from metadata on every request.
 */
export class RouteInterceptors implements NestInterceptor {
  private readonly chains: RouteMemo<readonly RouteScopedInterceptor[]>;

  constructor(interceptors: readonly RouteScopedInterceptor[]) {
    this.chains = new RouteMemo((handler, controller) =>
      interceptors.filter((interceptor) => interceptor.appliesTo(handler, controller)),
    );
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return this.run(this.chains.of(context.getClass(), context.getHandler()), 0, context, next);
  }

  private run(
    chain: readonly RouteScopedInterceptor[],
    index: number,
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> {
    const interceptor = chain[index];
    if (!interceptor) return next.handle();
    // Lazy, as between Nest's own layers: the next interceptor starts when this one subscribes,
    // and what it throws reaches this one as an error of the stream.
    return interceptor.intercept(context, { handle: () => defer(() => this.run(chain, index + 1, context, next)) });
  }
}
