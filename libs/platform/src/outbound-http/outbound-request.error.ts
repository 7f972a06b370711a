export type OutboundErrorCode =
  /** The URL's shape is refused by the policy (scheme, credentials, length). */
  | 'invalid_url'
  /** The caller's headers are not valid HTTP; nothing was sent. */
  | 'invalid_request'
  /** The host is, or resolved to, an address outside public unicast space. */
  | 'blocked_address'
  | 'dns_failure'
  /** The whole exchange (DNS, connect, headers, body) outlasted its timeout. */
  | 'timeout'
  | 'connection_failed'
  | 'tls_failure'
  /** The receiver's answer is not HTTP Node can parse (headers too large, malformed). */
  | 'protocol_error'
  /** The caller's signal aborted the request. */
  | 'aborted';

/**
 * A request that got no HTTP response. `message` is short and names the host or address and a
 * cause, never the URL's path or query (which may carry the receiver's own secrets) nor a
 * stack: fit for the server log. What a workspace admin sees is derived from `code` alone (the
 * webhook delivery log), since the host and address would map the internal network.
 */
export class OutboundRequestError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    /** From the call to the failure, DNS included. */
    readonly latencyMs: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'OutboundRequestError';
  }
}
