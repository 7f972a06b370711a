import type { IncomingMessage } from 'node:http';
import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { ApiHeader, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDetailsDto } from '../problem-details.dto.js';

export const IDEMPOTENT = 'groundwork:idempotent';

export interface IdempotentOptions {
  /**
   * The reply holds a shown-once secret (an API key): its stored copy is encrypted with
   * `ENCRYPTION_KEY`, so the table never holds the secret in clear.
   */
  sealReplay?: boolean;
  /**
   * The route streams its body itself (an upload), so nothing can fingerprint it before the
   * handler runs: this provider names the body instead, from the created result on the first
   * request and by reading the body of a repeated one. Resolved from the route's module.
   */
  streamedBody?: Type<StreamedBodyIdentity>;
}

/** Names a streamed request body: equal names mean the same request. */
export interface StreamedBodyIdentity {
  /** Reads the whole unread body of a repeated request (or fails as the route would) and names it. */
  ofRequest(request: IncomingMessage): Promise<unknown>;
  /** Names the body the route's successful `result` was created from. */
  ofResult(result: unknown): unknown;
}

const problem = { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsDto) } } };

/**
 * Marks a create route as accepting `Idempotency-Key` (docs/request-lifecycle.md); the global
 * `IdempotencyInterceptor` does the work. Also documents the header and its answers, so the
 * generated client offers it. Its 409/422 descriptions are written to read on their own and
 * after the route's own (Swagger joins the descriptions of a status documented twice).
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes the create safe to retry: 1–255 visible ASCII characters, unique per intended create (a UUID is a good choice), kept 24 h per caller and endpoint. A retry with the same key and body answers the original status and body with `Idempotent-Replayed: true`.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
    }),
    ApiResponse({
      status: 409,
      description: 'Idempotency-Key: a request with the same key is still in flight; retry once it has finished',
      content: problem,
    }),
    ApiResponse({
      status: 422,
      description: 'Idempotency-Key: malformed, or already used with a different request (`errors` names the header)',
      content: problem,
    }),
  );
}
