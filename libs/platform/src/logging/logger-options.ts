import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Params } from 'nestjs-pino';
import { type Logger, pino, type TransportSingleOptions } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/app-config.js';
import { RequestContext } from '../context/request-context.js';
import { redactUrl } from './redact-url.js';
import { traceLogFields } from '../observability/trace-context.js';

/** What every log line of a request or job carries: its context, and its trace and span ids. */
function contextLogFields(): Record<string, unknown> {
  return { ...RequestContext.logFields(), ...traceLogFields() };
}

/** Keys whose values are never written to a log, at any of the first three levels of a line. */
const SECRET_KEYS = [
  'password',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'authorization',
  'cookie',
];

/** Never written to a log: credentials, cookies and anything that looks like a secret. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

/** Whether a package can be loaded from here (resolution only: nothing is imported). */
function isInstalled(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Development logs are pretty-printed through `pino-pretty`, a devDependency: where it is not
 * installed (the production image run with NODE_ENV=development) the logs stay JSON instead of
 * the logger failing to start. Production never loads it, nor the transport's worker thread.
 */
export function prettyTransport(config: AppConfig): TransportSingleOptions | undefined {
  if (!config.log.pretty || !isInstalled('pino-pretty')) return undefined;
  return { target: 'pino-pretty', options: { singleLine: true } };
}

/**
 * JSON logs through pino (pretty only in development, when pino-pretty is installed). Each line inside a request or job
 * carries its context (requestId, user, workspace, job) through the mixin, wherever it is
 * logged from.
 */
export function loggerOptions(config: AppConfig): Params {
  const options = pinoHttpOptions(config);
  if (config.service !== 'api') return { pinoHttp: options };
  return {
    // The api writes its access log itself, as its second middleware (accessLogMiddleware), so
    // requests refused before Nest's middleware (body parser: 400, 413) are logged too;
    // nestjs-pino adds no pino-http of its own and logs through the root logger. Nor its
    // per-request middleware (no routes): with no request logger to bind, it would only run
    // every request through one more router layer and AsyncLocalStorage scope for nothing.
    useExisting: true,
    forRoutes: [],
    pinoHttp: options,
  };
}

/**
 * The api's access logger: same level, name, mixin and output as the application logs; only
 * the header redactions, since its lines carry method, URL, user agent and status only.
 */
export function createAccessLogger(config: AppConfig): Logger {
  return pino({
    level: config.log.level,
    name: `groundwork-${config.service}`,
    base: { service: config.service },
    mixin: contextLogFields,
    transport: prettyTransport(config),
  });
}

function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.log.level,
    name: `groundwork-${config.service}`,
    base: { service: config.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: contextLogFields,
    genReqId: (req: IncomingMessage & { id?: unknown }) => String(req.id ?? ''),
    serializers: {
      req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) => ({
        method: req.method,
        url: redactUrl(req.url),
        userAgent: req.headers['user-agent'],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    transport: prettyTransport(config),
  };
}
