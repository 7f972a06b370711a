import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The media types request bodies may have: JSON and structured `+json` types (e.g.
 * merge-patch), and Protocol Buffers — which only routes whose body DTO declares a message
 * type accept (the others answer 415 from the protobuf body pipe).
 */
const ACCEPTED_MEDIA_TYPE = /^application\/(?:(?:[\w.-]+\+)?json|x-protobuf)$/i;

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** An http-errors-shaped failure: the problem filter maps its `type` to a 415 problem. */
function unsupportedMediaType(mediaType: string | undefined): Error {
  return Object.assign(
    new Error(
      mediaType ? `Request bodies of type ${mediaType} are not accepted.` : 'The request body has no Content-Type.',
    ),
    { status: 415, statusCode: 415, type: 'content-type.unsupported', expose: true },
  );
}

/**
 * Refuses a request body that is neither JSON nor Protocol Buffers with 415 before any parser or handler sees it
 * (other types → 415). Without it a form or text body would reach validation as an
 * empty object and earn a misleading 422.
 */
export function bodyMediaTypeMiddleware(
  req: IncomingMessage,
  _res: ServerResponse,
  next: (error?: unknown) => void,
): void {
  if (!hasBody(req)) return next();
  const mediaType = req.headers['content-type']?.split(';')[0]?.trim();
  if (mediaType !== undefined && ACCEPTED_MEDIA_TYPE.test(mediaType)) return next();
  next(unsupportedMediaType(mediaType));
}
