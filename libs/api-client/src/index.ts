// The typed Groundwork client: the SDK generated from openapi.json (one function per
// operationId: register, login, getMe, createWorkspace, ...) plus a factory for a client
// instance that carries a base URL and credentials. Regenerate with `npm run client:generate`.
import { type Client, createClient, createConfig } from './generated/client/index.js';
import type { ProblemDetailsDto } from './generated/types.gen.js';

export * from './generated/index.js';
export type { Client, Config, RequestResult } from './generated/client/index.js';

/** An access token, or a function that returns the current one (e.g. after a refresh). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

interface BaseOptions {
  /** The api's origin, e.g. `https://api.example.com` (no trailing `/v1`: paths carry it). */
  baseUrl: string;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
  /** Headers sent with every request (e.g. a fixed User-Agent). */
  headers?: Record<string, string>;
}

/** Credentials are a JWT access token or a `gw_` API key (both bearer), or none. */
export type GroundworkClientOptions = BaseOptions &
  ({ token?: TokenSource; apiKey?: never } | { apiKey: string; token?: never });

/**
 * A client instance to pass to the SDK functions: `getMe({ client })`. Credentials go into
 * `Authorization: Bearer …`, and only on operations the spec marks as secured, so a token is
 * never sent to register or login. The generated module-level client is left untouched.
 */
export function createGroundworkClient(options: GroundworkClientOptions): Client {
  const credential: TokenSource | undefined = options.apiKey ?? options.token;
  return createClient(
    createConfig({
      baseUrl: options.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(credential === undefined ? {} : { auth: credential }),
    }),
  );
}

/**
 * Whether an SDK call's `error` is an RFC 9457 problem document. Every documented error of the
 * api is one; the guard matters for what the spec cannot promise (a proxy's HTML 502, say).
 */
export function isProblemDetails(error: unknown): error is ProblemDetailsDto {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as Partial<Record<keyof ProblemDetailsDto, unknown>>;
  return typeof candidate.status === 'number' && typeof candidate.type === 'string';
}
