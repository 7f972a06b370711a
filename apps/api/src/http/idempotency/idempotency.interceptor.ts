import { type CallHandler, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import {
  DEFERRED_FINGERPRINT,
  DomainError,
  IdempotencyStore,
  requestFingerprint,
  type StoredReply,
} from '@groundwork/platform';
import { callerKey } from '../auth/principal.js';
import { requestPrincipal } from '../auth/request-auth.js';
import type { RouteScopedInterceptor } from '../route-interceptors.js';
import type { RouteHandler } from '../route-memo.js';
import { IDEMPOTENT, type IdempotentOptions, type StreamedBodyIdentity } from './idempotent.decorator.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** `Idempotency-Key`: at most 255 characters; visible ASCII keeps it safe in logs and headers. */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

/** Headers a replay must repeat; the rest (request id, rate limit) describe the new request. */
const REPLAYED_HEADERS = ['location', 'etag', 'content-type', 'cache-control'] as const;

/** Paths longer than this are hashed in the scope, which must fit its primary-key column. */
const MAX_SCOPE_PATH = 400;

interface IdempotentRequest {
  method: string;
  originalUrl?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/**
 * `Idempotency-Key` on create routes marked `@Idempotent()` (docs/request-lifecycle.md,
 * "Idempotency keys"). Interceptors run after the guards and the validation pipe, so the
 * caller is known and a body that fails validation is refused before any key is claimed.
 *
 * Only successful answers are stored: an error releases the key (see `abandon`), so a retry
 * runs the create again. The handler's result is awaited on a subscription of its own, so a
 * client that disconnects mid-request still leaves the key completed or released.
 */
@Injectable()
export class IdempotencyInterceptor implements RouteScopedInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {}

  appliesTo(handler: RouteHandler): boolean {
    return this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT, handler) !== undefined;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT, context.getHandler());
    if (!options) return next.handle();
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return next.handle();
    // Every idempotent route requires a caller (the access guard ran); without one there is
    // nothing to scope the key to, and the key must never be shared between callers.
    const principal = requestPrincipal(request);
    if (!principal) return next.handle();
    return from(this.run(context, next, options, request, header, callerKey(principal)));
  }

  private async run(
    context: ExecutionContext,
    next: CallHandler,
    options: IdempotentOptions,
    request: IdempotentRequest,
    header: string | string[],
    caller: string,
  ): Promise<unknown> {
    const key = validKey(header);
    const url = request.originalUrl ?? request.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const method = request.method.toUpperCase();
    const scope = `${caller} ${method} ${path.length > MAX_SCOPE_PATH ? `sha256:${requestFingerprint(method, path, undefined)}` : path}`;
    const streamed = options.streamedBody
      ? this.moduleRef.get<StreamedBodyIdentity>(options.streamedBody, { strict: false })
      : undefined;
    const fingerprint = streamed ? DEFERRED_FINGERPRINT : requestFingerprint(method, url, request.body);
    const response = context.switchToHttp().getResponse<object>();

    const begun = await this.store.begin(scope, key, fingerprint);
    switch (begun.outcome) {
      case 'mismatch':
        throw keyReused();
      case 'in_flight':
        throw new DomainError(
          'conflict',
          'A request with this Idempotency-Key is still being processed; retry once it has finished.',
        );
      case 'replay':
        if (streamed) {
          const body = await streamed.ofRequest(context.switchToHttp().getRequest<IncomingMessage>());
          if (requestFingerprint(method, url, body) !== begun.fingerprint) throw keyReused();
        }
        return this.replay(response, begun.reply);
      case 'started':
        break;
      default: {
        const unreachable: never = begun;
        throw new Error(`unknown idempotency outcome ${String(unreachable)}`);
      }
    }

    let result: unknown;
    try {
      result = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      // Errors are not stored: they come from state that may change (a taken slug, a role)
      // or from a fault, and the failed create wrote nothing, so running it again is safe.
      await this.store.abandon(scope, key, begun.attemptId);
      throw error;
    }
    const reply: StoredReply = {
      // Nest set the route's status on the response before the interceptors ran.
      status: (response as { statusCode?: number }).statusCode ?? 200,
      headers: this.replayableHeaders(response),
      body: result === undefined || result === null ? null : JSON.stringify(result),
    };
    try {
      await this.store.complete(scope, key, begun.attemptId, reply, {
        seal: options.sealReplay === true,
        fingerprint: streamed ? requestFingerprint(method, url, streamed.ofResult(result)) : undefined,
      });
    } catch (error) {
      // The create succeeded: its answer must reach the client. The key stays in flight until
      // its lease ends, then a retry runs again — logged, since that is the one duplicate window.
      this.logger.error(
        { err: error, scope },
        'could not store an idempotent reply; the key stays claimed until its lease ends',
      );
    }
    return result;
  }

  private replay(response: object, reply: StoredReply): unknown {
    const adapter = this.adapterHost.httpAdapter;
    adapter.status(response, reply.status);
    for (const [name, value] of Object.entries(reply.headers)) adapter.setHeader(response, name, value);
    adapter.setHeader(response, REPLAYED_HEADER, 'true');
    return reply.body === null ? undefined : (JSON.parse(reply.body) as unknown);
  }

  private replayableHeaders(response: object): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value: unknown = this.adapterHost.httpAdapter.getHeader(response, name);
      if (typeof value === 'string') headers[name] = value;
      else if (typeof value === 'number') headers[name] = String(value);
      else if (Array.isArray(value)) headers[name] = value.map(String).join(', ');
    }
    return headers;
  }
}

const keyReused = () =>
  new DomainError('validation_failed', 'This Idempotency-Key was already used with a different request.', {
    errors: [{ field: 'Idempotency-Key', message: 'already used with a different request; use a new key' }],
  });

function validKey(header: string | string[]): string {
  const value = Array.isArray(header) ? undefined : header;
  if (value === undefined || !VALID_KEY.test(value)) {
    throw new DomainError('validation_failed', 'The Idempotency-Key header is invalid.', {
      errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
    });
  }
  return value;
}
