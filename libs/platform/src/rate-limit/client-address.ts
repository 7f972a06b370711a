import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';

/**
 * Whether the hop at `address` (`index` hops from the server) is a proxy whose
 * `X-Forwarded-For` is believed: Express's compiled `trust proxy` setting (`app.get('trust proxy fn')`).
 */
export type TrustProxyFn = (address: string, index: number) => boolean;

/**
 * The client address of a request Express never saw (a WebSocket upgrade), by the rule Express
 * applies to `req.ip`: walk from the socket's peer back through `X-Forwarded-For`, and stop at
 * the first hop that is not trusted — everything written before it could be the client's own.
 */
export function forwardedClientAddress(request: IncomingMessage, trust: TrustProxyFn): string {
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .reverse();
  const hops = [request.socket.remoteAddress ?? 'unknown', ...forwarded];
  for (let i = 0; i < hops.length - 1; i += 1) {
    if (!trust(hops[i] as string, i)) return hops[i] as string;
  }
  return hops[hops.length - 1] as string;
}

/**
 * What a per-address limit counts: an IPv4 address as is (also when written IPv4-mapped), an
 * IPv6 address by its /64 — the smallest block a host is usually given, so one host cannot
 * take a new quota with each of its 2^64 addresses. Anything unparsable is counted as written.
 */
export function rateLimitAddress(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
