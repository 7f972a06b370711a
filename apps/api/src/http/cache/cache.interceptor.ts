import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { TwoLevelCache } from '@groundwork/platform';
import { CACHED, type CachedOptions, type RouteParams } from './cached.options.js';
import { RequestCacheVersions } from './request-cache-versions.js';

interface HttpRequest {
  method: string;
  params: RouteParams;
  query: unknown;
}

/** The query as the client sent it, with parameters in name order: `?b=1&a=2` and `?a=2&b=1` share an entry. */
function normalizedQuery(query: unknown): string {
  if (typeof query !== 'object' || query === null) return '';
  return JSON.stringify(Object.entries(query).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Serves `@Cached()` GET routes from the `TwoLevelCache`. It runs before the validation pipe,
 * so the key is built from the raw query: an invalid one misses, the handler refuses it, and
 * errors are never cached.
 *
 * The key holds everything that changes the answer: the route (controller and handler, so v1
 * and v2 of one path differ), the path parameters and the whole query (filters, sort, cursor,
 * limit); the namespaces hold the workspace. Not the caller: every member allowed to read
 * tasks sees the same tasks in the same shape — roles change what one may write, not what a
 * read answers. A route whose answer differs by caller would have to put the caller's
 * visibility into its key.
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor {
  constructor(
    private readonly cache: TwoLevelCache,
    private readonly reflector: Reflector,
    private readonly versions: RequestCacheVersions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<CachedOptions | undefined>(CACHED, context.getHandler());
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (!options || context.getType() !== 'http' || request.method !== 'GET') return next.handle();
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    const params = JSON.stringify(Object.entries(request.params).sort(([a], [b]) => (a < b ? -1 : 1)));
    const key = `${route} ${params} ${normalizedQuery(request.query)}`;
    const load = () => lastValueFrom(next.handle());
    return from(this.cache.getOrLoad(options.namespaces(request.params), key, load, this.versions.of(context)));
  }
}
