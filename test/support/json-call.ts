/** What a JSON request got back: the parsed body is `{}` when the answer had none (204, 304). */
export interface JsonAnswer {
  status: number;
  /** The `content-type` header, '' when absent (problem answers are `application/problem+json`). */
  type: string;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface JsonCallOptions {
  /** Serialised as JSON with its content type; no body (and no content type) when undefined. */
  body?: unknown;
  /** The whole `authorization` header value (`Bearer …`), when the call is authenticated. */
  authorization?: string;
  headers?: Record<string, string>;
  /** Aborts a request the server never answers, so a test fails with a reason instead of hanging. */
  timeoutMs?: number;
}

/** One request with a JSON body and a JSON (or empty) answer: the call every HTTP-level test makes. */
export async function callJson(url: string, method: string, options: JsonCallOptions = {}): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** `Bearer {token}`, or undefined for an anonymous call. */
export function bearer(token: string | undefined): string | undefined {
  return token === undefined ? undefined : `Bearer ${token}`;
}
