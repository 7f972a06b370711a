import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RequestCancelledError, TIMEOUT_RETRY_AFTER_SECONDS } from '../context/request-cancellation.js';
import { RequestContext } from '../context/request-context.js';
import { DomainError, httpStatusOf } from './domain-error.js';
import { fromPrismaError } from './prisma-errors.js';
import {
  PROBLEM_CONTENT_TYPE,
  type ProblemDetails,
  problemTitle,
  problemType,
  slugForStatus,
} from './problem-details.js';

/** Errors raised by body parsers and similar middleware (the `http-errors` shape). */
interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message: string;
}

const MIDDLEWARE_ERRORS: Record<string, { code: string; detail: string }> = {
  'entity.parse.failed': { code: 'malformed_body', detail: 'The request body is not valid JSON.' },
  'entity.too.large': { code: 'payload_too_large', detail: 'The request body is larger than the limit.' },
  'encoding.unsupported': { code: 'unsupported_media_type', detail: 'The content encoding is not supported.' },
  'charset.unsupported': { code: 'unsupported_media_type', detail: 'The charset is not supported.' },
  'content-type.unsupported': {
    code: 'unsupported_media_type',
    detail: 'The request body must be application/json.',
  },
  'request.aborted': { code: 'bad_request', detail: 'The request was aborted by the client.' },
  'request.size.invalid': { code: 'bad_request', detail: 'The request size did not match Content-Length.' },
};

interface Resolved {
  status: number;
  slug: string;
  detail: string;
  error?: DomainError;
  headers?: Record<string, string>;
}

/**
 * The one exception filter of the api: every error leaves as application/problem+json
 * (RFC 9457) with the request id. Anything unexpected is a 500 that names only the request id;
 * its stack goes to the log, never to the client.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    if (exception instanceof RequestCancelledError && exception.kind === 'client_disconnected') {
      // The connection is gone: there is nobody to answer, and no access-log line will follow.
      this.logger.log('request cancelled: the client disconnected');
      return;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<{ url?: string; originalUrl?: string }>();
    const response = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;

    const resolved = this.resolve(exception);
    const requestId = RequestContext.current()?.requestId;
    const problem: ProblemDetails = {
      type: problemType(resolved.slug),
      title: problemTitle(resolved.status),
      status: resolved.status,
      detail: resolved.detail,
      instance: (request.originalUrl ?? request.url ?? '').split('?')[0] ?? '',
      requestId,
      ...(resolved.error?.errors ? { errors: resolved.error.errors } : {}),
      ...resolved.error?.extensions,
    };

    if (resolved.status >= 500) {
      this.logger.error({ err: exception, status: resolved.status }, 'request failed');
    }
    if (adapter.isHeadersSent(response)) return;
    for (const [name, value] of Object.entries(resolved.headers ?? {})) adapter.setHeader(response, name, value);
    // RFC 9110: a 401 names the scheme that would be accepted.
    if (resolved.status === 401) adapter.setHeader(response, 'WWW-Authenticate', 'Bearer realm="groundwork"');
    adapter.setHeader(response, 'Content-Type', PROBLEM_CONTENT_TYPE);
    adapter.reply(response, problem, resolved.status);
  }

  private resolve(exception: unknown): Resolved {
    const domain =
      exception instanceof DomainError
        ? exception
        : exception instanceof RequestCancelledError
          ? new DomainError('timeout', exception.message, {
              retryAfterSeconds: TIMEOUT_RETRY_AFTER_SECONDS,
              cause: exception,
            })
          : fromPrismaError(exception);
    if (domain) {
      const headers =
        domain.retryAfterSeconds !== undefined ? { 'Retry-After': String(domain.retryAfterSeconds) } : undefined;
      return { status: httpStatusOf(domain.code), slug: domain.code, detail: domain.message, error: domain, headers };
    }
    // Nest wraps body-parser failures in an HttpException whose cause is the original error.
    const middleware = (exception instanceof HttpException ? exception.cause : exception) as HttpLikeError | undefined;
    const known = middleware?.type ? MIDDLEWARE_ERRORS[middleware.type] : undefined;
    const middlewareStatus = middleware?.status ?? middleware?.statusCode;
    if (known && typeof middlewareStatus === 'number') {
      return { status: middlewareStatus, slug: known.code, detail: known.detail };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : Array.isArray((body as { message?: unknown }).message)
            ? (body as { message: string[] }).message.join('; ')
            : String((body as { message?: unknown }).message ?? exception.message);
      return { status, slug: slugForStatus(status), detail: status >= 500 ? problemTitle(status) : message };
    }
    const httpLike = exception as HttpLikeError | undefined;
    const status = httpLike?.status ?? httpLike?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const known = httpLike?.type ? MIDDLEWARE_ERRORS[httpLike.type] : undefined;
      return {
        status,
        slug: known?.code ?? slugForStatus(status),
        detail: known?.detail ?? (httpLike?.expose ? httpLike.message : problemTitle(status)),
      };
    }
    return {
      status: 500,
      slug: 'internal_error',
      detail: 'An unexpected error occurred. Quote the requestId when reporting it.',
    };
  }
}
