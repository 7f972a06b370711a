import ipaddr from 'ipaddr.js';

/** What outbound requests to user-supplied URLs (webhook endpoints) may reach. */
export interface OutboundPolicy {
  /** Allows loopback, private, link-local and every other non-public address: development and tests only. */
  allowPrivateNetworks: boolean;
  /** Allows `http:` URLs; otherwise only `https:`. */
  allowHttp: boolean;
  /**
   * Ports a URL may name (its scheme's default when it names none); any port when absent or
   * when private networks are allowed — otherwise a receiver URL could probe internal services
   * (SMTP, Redis, databases) on public addresses.
   */
  allowedPorts?: readonly number[];
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

// IPv6 global unicast is 2000::/3; ipaddr.js calls everything it has no name for `unicast`,
// including the deprecated IPv4-compatible ::/96 (`::7f00:1` is 127.0.0.1 on some stacks).
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Why `address` is not a public unicast address, as the name of its range (`loopback`,
 * `private`, `linkLocal`, `ipv4Mapped`, `rfc6052`, `6to4`, `teredo`, `reserved`, …), or
 * `undefined` when it is public. Blocks rather than decodes the ranges that embed an IPv4
 * address (IPv4-mapped, NAT64, 6to4, Teredo): a webhook receiver has no reason to use them,
 * and decoding each is one more place to get wrong. Throws on a string that is not an address.
 */
export function blockedRangeOf(address: string): string | undefined {
  const ip = ipaddr.parse(address);
  const range = ip.range();
  if (range !== 'unicast') return range;
  if (ip instanceof ipaddr.IPv6 && !ip.match(GLOBAL_UNICAST_V6)) return 'not global unicast';
  return undefined;
}

/** `new URL(raw)`, or `undefined` when `raw` is not an absolute URL (`URL.parse` is Node 22+). */
export function parseUrl(raw: string): URL | undefined {
  return URL.canParse(raw) ? new URL(raw) : undefined;
}

/** The IP address a WHATWG-parsed hostname spells, or `undefined` for a DNS name. */
export function ipLiteralOf(hostname: string): string | undefined {
  // WHATWG URL has already rewritten every IPv4 spelling (2130706433, 0x7f.1, 0177.0.0.1,
  // 127.1) to dotted decimal, and keeps IPv6 literals in brackets.
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return ipaddr.IPv4.isValidFourPartDecimal(hostname) ? hostname : undefined;
}

/** The blocked-address problem of one address, phrased for a delivery log or a 422 answer. */
export function blockedAddressProblem(address: string): string | undefined {
  const range = blockedRangeOf(address);
  return range === undefined ? undefined : `address ${address} is in a blocked range (${range})`;
}

/**
 * The problems of a URL's shape under `policy`: everything that can be judged without DNS.
 * Shared by the API's validation (422) and by the client before each delivery.
 */
export function webhookUrlShapeProblems(raw: string, policy: OutboundPolicy): string[] {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return [`the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`];
  const url = parseUrl(raw);
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return ['the URL must be an absolute http(s) URL'];
  }
  const problems: string[] = [];
  if (url.protocol === 'http:' && !policy.allowHttp) problems.push('the URL must use https');
  if (url.username !== '' || url.password !== '') problems.push('the URL must not carry credentials');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (policy.allowedPorts !== undefined && !policy.allowPrivateNetworks && !policy.allowedPorts.includes(port)) {
    problems.push(`port ${port} is not allowed; use one of ${policy.allowedPorts.join(', ')}`);
  }
  return problems;
}

/**
 * Every problem of a webhook URL given as API input, as human-readable sentences (empty when
 * acceptable). Names are not resolved here: DNS can change after validation, so the check at
 * delivery time is the authoritative one; this only refuses what is wrong whatever DNS says.
 */
export function webhookUrlProblems(raw: string, policy: OutboundPolicy): string[] {
  const problems = webhookUrlShapeProblems(raw, policy);
  const url = parseUrl(raw);
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || policy.allowPrivateNetworks) {
    return problems;
  }
  const literal = ipLiteralOf(url.hostname);
  const blocked = literal === undefined ? undefined : blockedAddressProblem(literal);
  if (blocked !== undefined) problems.push(blocked);
  // RFC 6761: `localhost` and its subdomains always name the loopback interface.
  if (/(^|\.)localhost\.?$/.test(url.hostname)) problems.push(`host ${url.hostname} is a loopback name`);
  return problems;
}
