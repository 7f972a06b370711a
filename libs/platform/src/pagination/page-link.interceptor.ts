import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type Observable, tap } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { isPage, nextPageLink } from './page.js';

/** Adds the `Link: rel="next"` header to every list response that has a next page. */
@Injectable()
export class PageLinkInterceptor implements NestInterceptor {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string; url?: string }>();
    return next.handle().pipe(
      tap((body) => {
        if (!isPage(body) || body.page.nextCursor === null) return;
        const link = nextPageLink(
          this.config.http.publicApiUrl,
          request.originalUrl ?? request.url ?? '/',
          body.page.nextCursor,
        );
        // Appended: a deprecated route also links its successor version.
        this.adapterHost.httpAdapter.appendHeader(http.getResponse(), 'Link', link);
      }),
    );
  }
}

/**
 * Marks a list route: its `Page` result gets the `Link: rel="next"` header. Opt-in per route
 * rather than global, so routes that never return a list pay nothing for it.
 */
export function Paginated(): MethodDecorator & ClassDecorator {
  return UseInterceptors(PageLinkInterceptor);
}
