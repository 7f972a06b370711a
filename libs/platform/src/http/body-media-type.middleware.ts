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

/** A route whose handler reads its body as a stream (an upload), with the media type it takes. */
export interface StreamedBodyRoute {
  method: string;
  /** Matched against the path (no query). */
  path: RegExp;
  mediaType: string;
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Refuses a request body that is neither JSON nor Protocol Buffers with 415 before any parser or handler sees it
 * (other types → 415). Without it a form or text body would reach validation as an
 * empty object and earn a misleading 422. The routes in `streamed` also take their own media
 * type (multipart uploads); no body parser touches those bodies, their handlers stream them.
 */
export function bodyMediaTypeMiddleware(streamed: readonly StreamedBodyRoute[] = []): Middleware {
  return (req, _res, next) => {
    if (!hasBody(req)) return next();
    const mediaType = req.headers['content-type']?.split(';')[0]?.trim();
    if (mediaType !== undefined && ACCEPTED_MEDIA_TYPE.test(mediaType)) return next();
    if (mediaType !== undefined && streamed.length > 0) {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const lower = mediaType.toLowerCase();
      if (streamed.some((route) => route.method === req.method && route.mediaType === lower && route.path.test(path))) {
        return next();
      }
    }
    next(unsupportedMediaType(mediaType));
  };
}
