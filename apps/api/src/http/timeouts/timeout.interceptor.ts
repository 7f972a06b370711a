import { type CallHandler, type ExecutionContext, Injectable, type Type } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import {
  AppConfig,
  DomainError,
  RequestCancelledError,
  RequestContext,
  TIMEOUT_RETRY_AFTER_SECONDS,
} from '@groundwork/platform';
import type { RouteScopedInterceptor } from '../route-interceptors.js';
import { type RouteHandler, RouteMemo } from '../route-memo.js';
import { TIMEOUT_BUDGET } from './timeout.decorator.js';

/**
 * The per-route time budget (docs/request-lifecycle.md, "Timeouts and cancellation"): when it
 * runs out, the request's signal is aborted — so its cancellable queries stop — and the client
 * gets a 503 `timeout` problem with `Retry-After`. A response that has already started is left
 * to finish: its status is sent, and cutting it would only corrupt the body.
 *
 * The budget counts from here, after the guards and the validation pipe: they are bounded by
 * their own timeouts (pool acquire, Redis), and only the handler knows which work to cancel.
 */
@Injectable()
export class TimeoutInterceptor implements RouteScopedInterceptor {
  private readonly budgets: RouteMemo<number | false>;

  constructor(
    reflector: Reflector,
    config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.budgets = new RouteMemo(
      (handler, controller) =>
        reflector.getAllAndOverride<number | false | undefined>(TIMEOUT_BUDGET, [handler, controller]) ??
        config.http.requestTimeoutMs,
    );
  }

  appliesTo(handler: RouteHandler, controller: Type): boolean {
    return this.budgetOf(handler, controller) !== false;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const budget = this.budgetOf(context.getHandler(), context.getClass());
    if (budget === false) return next.handle();
    const response = context.switchToHttp().getResponse<unknown>();
    // Taken now: the timer's callback must not depend on the async context reaching it. The
    // context, not its signal: asking for the signal would create it for every request.
    const requestContext = RequestContext.current();

    return new Observable((subscriber) => {
      const timer = setTimeout(() => {
        if (this.adapterHost.httpAdapter.isHeadersSent(response)) return;
        const reason = new RequestCancelledError('timeout', budget);
        RequestContext.cancel(reason, requestContext);
        subscriber.error(
          new DomainError('timeout', reason.message, { retryAfterSeconds: TIMEOUT_RETRY_AFTER_SECONDS }),
        );
      }, budget);
      // The handler's late result or error, after the 503 went out, has nobody to go to.
      const handled = next.handle().subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        clearTimeout(timer);
        handled.unsubscribe();
      };
    });
  }

  private budgetOf(handler: RouteHandler, controller: Type): number | false {
    return this.budgets.of(controller, handler);
  }
}
