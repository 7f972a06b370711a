import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { blockedAddressProblem, ipLiteralOf, webhookUrlShapeProblems, type OutboundPolicy } from './outbound-policy.js';
import { OutboundRequestError, type OutboundErrorCode } from './outbound-request.error.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address of a host name. Injectable so tests can play a DNS server that rebinds. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo: /etc/hosts, then DNS), all addresses. */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

export interface OutboundPostInit {
  headers: Record<string, string>;
  body: string;
  /** Bounds the whole exchange: DNS, connect, TLS, request, response headers and body. */
  timeoutMs: number;
  /** Bytes of the response body read; the connection is closed once more arrive. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  /** The first `maxResponseBytes` of the body, decoded as UTF-8. */
  body: string;
  /** The receiver sent more than `maxResponseBytes`; the rest was not read. */
  truncated: boolean;
  latencyMs: number;
}

export interface OutboundTlsOptions {
  /** Replaces the system's root certificates: for tests and receivers behind a private CA. */
  ca?: string | string[];
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** No product or runtime version: it would only tell a receiver which vulnerabilities to try. */
export const OUTBOUND_USER_AGENT = 'Groundwork-Webhooks/1';

interface Target {
  url: URL;
  /** The hostname without IPv6 brackets: what Node connects to, names in SNI and checks the certificate against. */
  host: string;
  /** Every address the host resolved to, each checked against the policy. */
  addresses: ResolvedAddress[];
}

interface Refusal {
  code: OutboundErrorCode;
  message: string;
  cause?: unknown;
}

type Outcome = Omit<OutboundResponse, 'latencyMs'>;

/**
 * POSTs to URLs that users supplied (webhook endpoints) without letting them reach the
 * service's own network (SSRF, OWASP API7). Before connecting, the host is resolved once and
 * refused if any of its addresses is not public unicast; the socket then connects to those
 * checked addresses through a `lookup` that hands them back, so a DNS answer that changes
 * between check and connect (rebinding) is never consulted. TLS still names and verifies the
 * URL's hostname. Redirects are not followed: a 3xx is returned like any other status.
 */
export class SafeHttpClient {
  constructor(
    private readonly policy: OutboundPolicy,
    private readonly resolve: Resolver = systemResolver,
    private readonly tls: OutboundTlsOptions = {},
  ) {}

  /** Resolves with any HTTP status; rejects with `OutboundRequestError` when there is none. */
  post(url: string, init: OutboundPostInit): Promise<OutboundResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    return new Promise<OutboundResponse>((resolve, reject) => {
      let request: ClientRequest | undefined;
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', onAbort);
        // Also closes the socket of a truncated or timed-out response: nothing more is read.
        request?.destroy();
        return true;
      };
      const fail = ({ code, message, cause }: Refusal): void => {
        if (settle()) reject(new OutboundRequestError(code, message, elapsed(), { cause }));
      };
      const succeed = (outcome: Outcome): void => {
        if (settle()) resolve({ ...outcome, latencyMs: elapsed() });
      };
      const onAbort = (): void => fail({ code: 'aborted', message: 'the request was cancelled' });
      const timer = setTimeout(
        () => fail({ code: 'timeout', message: `timed out after ${init.timeoutMs} ms` }),
        init.timeoutMs,
      );
      if (init.signal?.aborted) return onAbort();
      init.signal?.addEventListener('abort', onAbort, { once: true });

      this.#target(url)
        .then((target) => {
          if (settled) return;
          if ('code' in target) return fail(target);
          request = this.#send(target, init, succeed, fail);
        })
        // http.request throws on a header Node refuses (a CR or LF in a value, say): nothing was sent.
        .catch((error: unknown) =>
          fail({ code: 'invalid_request', message: `the request could not be made${codeSuffix(error)}`, cause: error }),
        );
    });
  }

  /** The URL's host and its checked addresses, or why it may not be contacted. */
  async #target(raw: string): Promise<Target | Refusal> {
    const problems = webhookUrlShapeProblems(raw, this.policy);
    if (problems.length > 0) return { code: 'invalid_url', message: problems.join('; ') };
    const url = new URL(raw);
    const literal = ipLiteralOf(url.hostname);
    const host = literal ?? url.hostname;
    let answers: ResolvedAddress[];
    if (literal !== undefined) {
      // Node does not call `lookup` for an IP literal: it is checked here and connected to as is.
      answers = [{ address: literal, family: isIP(literal) === 6 ? 6 : 4 }];
    } else {
      try {
        answers = await this.resolve(host);
      } catch (error) {
        return { code: 'dns_failure', message: `could not resolve ${host}${codeSuffix(error)}`, cause: error };
      }
      if (answers.length === 0) return { code: 'dns_failure', message: `${host} resolved to no address` };
    }
    const addresses: ResolvedAddress[] = [];
    for (const { address } of answers) {
      const family = isIP(address);
      if (family === 0) return { code: 'dns_failure', message: `${host} resolved to something not an IP address` };
      const blocked = this.policy.allowPrivateNetworks ? undefined : blockedAddressProblem(address);
      if (blocked !== undefined) {
        return { code: 'blocked_address', message: literal === undefined ? `${host}: ${blocked}` : blocked };
      }
      addresses.push({ address, family: family === 6 ? 6 : 4 });
    }
    return { url, host, addresses };
  }

  #send(
    target: Target,
    init: OutboundPostInit,
    succeed: (outcome: Outcome) => void,
    fail: (refusal: Refusal) => void,
  ): ClientRequest {
    const { url } = target;
    const body = Buffer.from(init.body, 'utf8');
    const maxBytes = init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const options: RequestOptions = {
      method: 'POST',
      host: target.host,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      // The caller's headers win over the default User-Agent, never over the body's length.
      headers: { 'user-agent': OUTBOUND_USER_AGENT, ...init.headers, 'content-length': String(body.length) },
      // A connection of its own: a pooled socket would skip the check made for this request.
      agent: false,
      lookup: pinnedLookup(target.addresses),
    };
    const request = url.protocol === 'https:' ? httpsRequest({ ...options, ca: this.tls.ca }) : httpRequest(options);
    request.on('error', (error) => fail(refusalFor(error)));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        const room = maxBytes - size;
        if (chunk.length <= room) {
          chunks.push(chunk);
          size += chunk.length;
          return;
        }
        chunks.push(chunk.subarray(0, room));
        succeed({ status, body: Buffer.concat(chunks).toString('utf8'), truncated: true });
      });
      response.on('end', () => succeed({ status, body: Buffer.concat(chunks).toString('utf8'), truncated: false }));
      response.on('error', (error) => fail(refusalFor(error)));
    });
    request.end(body);
    return request;
  }
}

/** A `lookup` that answers the addresses checked before the request, whatever DNS says now. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  const answers: LookupAddress[] = addresses.map(({ address, family }) => ({ address, family }));
  const [first] = answers;
  return (_hostname, options, callback) => {
    // Asynchronous like dns.lookup: net's connect path expects the callback on a later tick.
    process.nextTick(() => (options.all ? callback(null, answers) : callback(null, first.address, first.family)));
  };
}

const CONNECTION_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the receiver',
  EPIPE: 'connection closed by the receiver while sending',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timed out',
};

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/;

/** A short cause from Node's error code; its message may quote addresses, certificates or paths. */
function refusalFor(error: Error): Refusal {
  const code = errorCode(error);
  const connection = CONNECTION_MESSAGES[code];
  if (connection !== undefined) return { code: 'connection_failed', message: connection, cause: error };
  if (code.startsWith('HPE_'))
    return { code: 'protocol_error', message: `invalid HTTP response (${code})`, cause: error };
  if (TLS_CODE.test(code)) return { code: 'tls_failure', message: `TLS failed (${code})`, cause: error };
  return { code: 'connection_failed', message: `connection failed (${code || 'unknown cause'})`, cause: error };
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function codeSuffix(error: unknown): string {
  const code = errorCode(error);
  return code === '' ? '' : ` (${code})`;
}
