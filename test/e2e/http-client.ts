import http from 'node:http';

/** What a raw request got back. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/**
 * One request on a fresh connection (`agent: false`: no pooled keep-alive socket), so a test
 * sees exactly what a new client would: a refused connection, a cut socket, or the response.
 */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { agent: false, method: options.method ?? 'GET', headers: options.headers, timeout: options.timeoutMs ?? 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer from ${url} in time`)));
    req.once('error', reject);
    req.end(options.body);
  });
}

/**
 * The errno code of a failed request (`ECONNREFUSED`, `ECONNRESET`), if it has one. Duck-typed:
 * Node's errors come from another realm than the test's `Error` under Jest's VM modules.
 */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** The message of whatever was thrown (realm-independent, see `errorCode`). */
export function errorMessage(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string'
    ? error.message
    : undefined;
}

/** Whether a brand-new TCP connection to the server is accepted (and answered) or refused. */
export async function newConnectionOutcome(url: string): Promise<'accepted' | 'refused'> {
  try {
    await rawRequest(`${url}/health/live`, { timeoutMs: 2000 });
    return 'accepted';
  } catch (error) {
    if (errorCode(error) === 'ECONNREFUSED') return 'refused';
    throw error;
  }
}

/** The readiness body (docs/http-api.md, health). */
export interface ReadinessBody {
  status: 'ok' | 'degraded' | 'unavailable' | 'draining';
  checks: Record<string, { status: 'up' | 'down' }>;
}

export async function readiness(url: string): Promise<{ status: number; body: ReadinessBody }> {
  const res = await rawRequest(`${url}/health/ready`, { timeoutMs: 5000 });
  return { status: res.status, body: JSON.parse(res.body) as ReadinessBody };
}

/** The JSON log lines among a process's output (anything else, e.g. a stray print, is skipped). */
export function jsonLogLines(output: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) lines.push(parsed as Record<string, unknown>);
    } catch {
      // a line cut in the middle of a write; the next read completes it
    }
  }
  return lines;
}
