import type { IncomingMessage, ServerResponse } from 'node:http';

/** Deeper than any request body the api defines; far below what the validators' recursion survives. */
export const MAX_JSON_BODY_DEPTH = 64;

/** In Unicode mode a surrogate pair is one code point: only a lone surrogate matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Property names no request body defines, and that only ever target an object's prototype. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** An http-errors-shaped failure: the problem filter answers it with a 400 problem and this message. */
function malformedBody(message: string): Error {
  return Object.assign(new Error(message), {
    status: 400,
    statusCode: 400,
    type: 'entity.shape.invalid',
    expose: true,
  });
}

/** The first reason the parsed JSON body cannot be accepted, walked iteratively (no recursion to exhaust). */
export function jsonBodyProblem(body: unknown, maxDepth = MAX_JSON_BODY_DEPTH): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: body, depth: 0 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop() as { value: unknown; depth: number };
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return 'The request body contains a string that is not well-formed Unicode.';
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return `The request body is nested deeper than ${maxDepth} levels.`;
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) return 'The request body contains a string that is not well-formed Unicode.';
      if (RESERVED_KEYS.has(key)) return `The request body may not have a property named ${key}.`;
      pending.push({ value: item, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Runs after the JSON body parser: refuses (400) a body nested deeper than any DTO (the
 * transformer and validator recurse, and a few thousand levels exhaust the stack → 500) and
 * strings with lone surrogates (not Unicode: I-JSON, RFC 7493, forbids them, and validators
 * that re-encode the string throw on them), and `__proto__`/`constructor`/`prototype` keys
 * (the transformer drops them silently, so `forbidNonWhitelisted` never sees them).
 */
export function jsonBodyShapeMiddleware(
  req: IncomingMessage & { body?: unknown },
  _res: ServerResponse,
  next: (error?: unknown) => void,
): void {
  const problem = req.body === undefined ? undefined : jsonBodyProblem(req.body);
  next(problem === undefined ? undefined : malformedBody(problem));
}
