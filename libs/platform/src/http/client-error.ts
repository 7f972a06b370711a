import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, problemTitle, problemType, slugForStatus } from '../errors/problem-details.js';
import { newId } from '../ids/uuid.js';

/** Node's codes for requests its HTTP parser gives up on, and the status each deserves. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * The `clientError` listener of the HTTP server. A request Node's parser refuses (a control
 * character in a header value, a malformed request line, headers too large) never reaches
 * Express; Node's default answer is a bare `400 Bad Request` without a body. This answers the
 * same status as an `application/problem+json` document with a request id (docs/http-api.md, conventions).
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
  const requestId = newId();
  const body = JSON.stringify({
    type: problemType(slugForStatus(status)),
    title: problemTitle(status),
    status,
    detail: 'The request is not well-formed HTTP.',
    instance: '/',
    requestId,
  });
  socket.end(
    [
      `HTTP/1.1 ${status} ${problemTitle(status)}`,
      `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
