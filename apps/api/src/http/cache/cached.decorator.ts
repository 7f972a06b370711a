import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { CacheInterceptor } from './cache.interceptor.js';
import { CACHED, type CachedOptions } from './cached.options.js';

/**
 * A read served through the two-level cache (see docs/request-lifecycle.md, Caching). Put it
 * ABOVE `@VersionedRead`, `@Paginated`, `@SupersededByV2`: decorators apply bottom-up and the
 * first interceptor applied runs outermost, so this one runs innermost, next to the handler,
 * and the others set ETag (and 304), Link and Deprecation from the cached value as from a
 * fresh one. Content negotiation is global, hence outside too: the cache holds the JSON shape.
 */
export function Cached(options: CachedOptions): MethodDecorator {
  return applyDecorators(SetMetadata(CACHED, options), UseInterceptors(CacheInterceptor));
}
