import {
  applyDecorators,
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  type Type,
  UseInterceptors,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { map, type Observable } from 'rxjs';
import { DomainError } from '@groundwork/platform';

/**
 * Optimistic concurrency over HTTP, in one place for every versioned resource:
 * single resources carry `ETag` from their version; `If-None-Match` → 304; writes require
 * `If-Match`: missing → 428, stale → 412). Controllers only declare `@VersionedRead(Dto)` /
 * `@VersionedWrite(Dto)` and take `@IfMatch() version: number`; the services compare versions
 * inside their write statement.
 */

type Headers = Record<string, string | string[] | undefined>;

/** The strong entity tag of a resource version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The version an `If-Match` header names. Missing → 428. `*` is refused too (428): it would
 * skip the version check that protects concurrent editors. Anything that is not one strong tag
 * of a version can never match the current one → 412 (RFC 9110 evaluates it as false).
 */
export function parseIfMatch(header: string | string[] | undefined): number {
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim();
  if (value === '' || value === '*') {
    throw new DomainError(
      'precondition_required',
      'This change requires If-Match with the ETag of the version you read (GET the resource first).',
    );
  }
  const match = /^"(\d{1,9})"$/.exec(value);
  if (!match) {
    throw new DomainError('precondition_failed', 'If-Match does not name the current version of the resource.');
  }
  return Number(match[1]);
}

/** Whether an `If-None-Match` header matches the tag (weak comparison, as RFC 9110 says for GET). */
export function noneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = (Array.isArray(header) ? header.join(',') : header).split(',').map((tag) => tag.trim());
  return tags.some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}

/** `@IfMatch() expectedVersion: number` — the version the client's write is based on. */
export const IfMatch = createParamDecorator((_data: unknown, context: ExecutionContext): number =>
  parseIfMatch(context.switchToHttp().getRequest<{ headers: Headers }>().headers['if-match']),
);

function versionOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const version = (body as { version?: unknown }).version;
  return typeof version === 'number' ? version : undefined;
}

/**
 * Sets `ETag` from the returned resource's `version`; a GET whose `If-None-Match` names that
 * tag is answered 304 without a body. The 304 is a web `Response`, whose status Nest sends as
 * it is on any adapter (a plain return value would get the route's 200).
 */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<{ method?: string; headers: Headers }>();
    return next.handle().pipe(
      map((body: unknown) => {
        const version = versionOf(body);
        if (version === undefined) return body;
        const etag = etagOf(version);
        this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'ETag', etag);
        const safe = request.method === 'GET' || request.method === 'HEAD';
        if (safe && noneMatchHits(request.headers['if-none-match'], etag)) {
          return new Response(null, { status: 304, headers: { ETag: etag } });
        }
        return body;
      }),
    );
  }
}

const ETAG_HEADER = {
  ETag: { description: 'The resource version, for If-Match / If-None-Match.', schema: { type: 'string' } },
};

/** A single-resource read: `ETag`, and 304 for a matching `If-None-Match`. */
export function VersionedRead(type: Type<unknown>): MethodDecorator {
  return applyDecorators(
    UseInterceptors(EtagInterceptor),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag the client holds: 304 if current.' }),
    ApiResponse({ status: 200, type, headers: ETAG_HEADER, description: 'The resource; ETag names its version.' }),
    ApiResponse({ status: 304, description: 'Not modified: the ETag in If-None-Match is current.' }),
  );
}

/**
 * A write that answers the resource: `ETag` on the answer. With `conditional` (PATCH, PUT,
 * DELETE), `If-Match` is documented as required; the handler takes it with `@IfMatch()`.
 */
export function VersionedWrite(type: Type<unknown> | undefined, status: number, conditional: boolean): MethodDecorator {
  return applyDecorators(
    UseInterceptors(EtagInterceptor),
    ...(conditional
      ? [
          ApiHeader({
            name: 'If-Match',
            required: true,
            description: 'The ETag of the version the change is based on.',
          }),
        ]
      : []),
    ApiResponse(
      type === undefined
        ? { status, description: 'Done.' }
        : {
            status,
            type,
            headers: ETAG_HEADER,
            ...(status === 201 ? { description: 'Created; `Location` names it.' } : {}),
          },
    ),
  );
}
