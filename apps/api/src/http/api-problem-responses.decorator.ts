import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDetailsDto } from './problem-details.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (e.g. invalid JSON)',
  401: 'Missing or invalid credentials',
  403: 'Authenticated but not allowed',
  404: 'Not found (or not visible to the caller)',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current version',
  413: 'Body larger than the limit',
  415: 'Unsupported Content-Type',
  416: 'Range not satisfiable: see Content-Range',
  422: 'Validation failed: see `errors`',
  428: 'If-Match required',
  429: 'Rate limited: see Retry-After',
  503: 'Temporarily unavailable: see Retry-After',
};

/** Documents the problem+json answers a route can give, all with the one ProblemDetails schema. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsDto) } } },
      }),
    ),
  );
}
