/** Query parameters that carry credentials: OIDC `code` and `state`, WebSocket tickets, signed URLs, mailed tokens. */
const SECRET_PARAMS = new Set(['code', 'state', 'ticket', 'signature', 'token', 'access_token', 'refresh_token']);
/** Path segments that are credentials: the invitation token of `/v1/invitations/{token}/accept`. */
const SECRET_PATHS = [/^(\/v\d+\/invitations\/)[^/?#]+/];

export const REDACTED = '[redacted]';

/**
 * A request URL as it may be logged: tokens that travel in URLs replaced by `[redacted]`, the
 * rest byte for byte (parameters are not re-encoded, so the line still reads like the request).
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  for (const pattern of SECRET_PATHS) path = path.replace(pattern, `$1${REDACTED}`);
  if (queryAt === -1) return path;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeName(eq === -1 ? pair : pair.slice(0, eq));
      return eq !== -1 && SECRET_PARAMS.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
