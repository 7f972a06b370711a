import type { ExecutionContext, Type } from '@nestjs/common';

/** A route handler, as Nest's `ExecutionContext.getHandler()` returns it. */
export type RouteHandler = ReturnType<ExecutionContext['getHandler']>;

/**
 * What a guard or interceptor works out from a route's metadata alone, worked out once per route
 * (controller and handler: an inherited handler may sit under controllers with different
 * metadata) instead of read through the reflector on every request.
 */
export class RouteMemo<T> {
  private readonly byController = new WeakMap<Type, WeakMap<RouteHandler, T>>();

  constructor(private readonly compute: (handler: RouteHandler, controller: Type) => T) {}

  of(controller: Type, handler: RouteHandler): T {
    let byHandler = this.byController.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.byController.set(controller, byHandler);
    }
    if (byHandler.has(handler)) return byHandler.get(handler) as T;
    const value = this.compute(handler, controller);
    byHandler.set(handler, value);
    return value;
  }
}
