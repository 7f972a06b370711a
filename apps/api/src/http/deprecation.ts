import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { AppConfig } from '@groundwork/platform';

/** When the v1 routes that v2 replaces were deprecated, and when they stop being served. */
export const V1_TASK_READS = {
  deprecatedAt: new Date('2026-11-26T00:00:00Z'),
  sunsetAt: new Date('2027-06-01T00:00:00Z'),
} as const;

/**
 * Marks a route as replaced by its v2 twin (same path under `/v2/`): every answer carries
 * `Deprecation: @<unix seconds>` (RFC 9745), `Sunset: <HTTP date>` (RFC 8594) and
 * `Link: <v2 URL>; rel="successor-version"`, appended so a page's `rel="next"` link stays.
 */
@Injectable()
export class DeprecationInterceptor implements NestInterceptor {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string; url?: string }>();
    const response = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    const successor = new URL(
      (request.originalUrl ?? request.url ?? '/').replace(/^\/v1\//, '/v2/'),
      this.config.http.publicApiUrl,
    );
    successor.searchParams.delete('cursor');
    adapter.setHeader(response, 'Deprecation', `@${Math.floor(V1_TASK_READS.deprecatedAt.getTime() / 1000)}`);
    adapter.setHeader(response, 'Sunset', V1_TASK_READS.sunsetAt.toUTCString());
    adapter.appendHeader(response, 'Link', `<${successor.toString()}>; rel="successor-version"`);
    return next.handle();
  }
}

/** A v1 read that v2 replaces (its operation also says `deprecated: true` in the spec). */
export function SupersededByV2(): MethodDecorator {
  return applyDecorators(UseInterceptors(DeprecationInterceptor));
}
