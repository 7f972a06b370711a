import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { AppConfig } from '@groundwork/platform';

/** When a route was deprecated, and when it stops being served. */
export interface DeprecationSchedule {
  deprecatedAt: Date;
  sunsetAt: Date;
}

const SUPERSEDED = Symbol('superseded-by-v2');

/** The schedule as header values, worked out once per route rather than once per answer. */
interface DeprecationHeaders {
  deprecation: string;
  sunset: string;
}

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
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const headers = this.reflector.get<DeprecationHeaders | undefined>(SUPERSEDED, context.getHandler());
    if (!headers) throw new Error('DeprecationInterceptor used without @SupersededByV2()');
    const http = context.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string; url?: string }>();
    const response = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    const successor = new URL(
      (request.originalUrl ?? request.url ?? '/').replace(/^\/v1\//, '/v2/'),
      this.config.http.publicApiUrl,
    );
    successor.searchParams.delete('cursor');
    adapter.setHeader(response, 'Deprecation', headers.deprecation);
    adapter.setHeader(response, 'Sunset', headers.sunset);
    adapter.appendHeader(response, 'Link', `<${successor.toString()}>; rel="successor-version"`);
    return next.handle();
  }
}

/** A v1 read that v2 replaces (its operation also says `deprecated: true` in the spec). */
export function SupersededByV2(schedule: DeprecationSchedule): MethodDecorator {
  const headers: DeprecationHeaders = {
    deprecation: `@${Math.floor(schedule.deprecatedAt.getTime() / 1000)}`,
    sunset: schedule.sunsetAt.toUTCString(),
  };
  return applyDecorators(SetMetadata(SUPERSEDED, headers), UseInterceptors(DeprecationInterceptor));
}
