/**
 * Every failure the domain can name. Services throw DomainError with one of these codes and
 * never an HTTP exception; the problem+json filter maps each code to a status in one switch.
 */
export type DomainErrorCode =
  | 'bad_request'
  | 'invalid_cursor'
  | 'invalid_token'
  | 'unauthenticated'
  | 'forbidden'
  /** A feature flag turned the feature off for this workspace (problem type `feature-disabled`). */
  | 'feature_disabled'
  | 'not_found'
  | 'conflict'
  /** A workspace's attachments would exceed WORKSPACE_STORAGE_QUOTA_BYTES (409). */
  | 'storage_quota_exceeded'
  /** A workspace already has as many of something as it may have, e.g. webhook endpoints (409). */
  | 'limit_exceeded'
  | 'precondition_failed'
  | 'precondition_required'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'not_acceptable'
  | 'validation_failed'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout';

export interface FieldError {
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Per-field problems (validation). */
  errors?: FieldError[];
  /** Seconds after which a retry may succeed (429, 503). */
  retryAfterSeconds?: number;
  /** Extra members of the problem document (e.g. `allowedTargets`). */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;
  readonly extensions?: Record<string, unknown>;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions;
  }
}

/** The one place a domain error code becomes an HTTP status. */
export function httpStatusOf(code: DomainErrorCode): number {
  switch (code) {
    case 'bad_request':
    case 'invalid_cursor':
    case 'invalid_token':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
    case 'feature_disabled':
      return 403;
    case 'not_found':
      return 404;
    case 'not_acceptable':
      return 406;
    case 'conflict':
    case 'storage_quota_exceeded':
    case 'limit_exceeded':
      return 409;
    case 'precondition_failed':
      return 412;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'range_not_satisfiable':
      return 416;
    case 'validation_failed':
      return 422;
    case 'precondition_required':
      return 428;
    case 'rate_limited':
      return 429;
    case 'unavailable':
    case 'timeout':
      return 503;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped domain error code: ${String(unreachable)}`);
    }
  }
}
