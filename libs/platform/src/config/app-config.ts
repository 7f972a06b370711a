import { parseSigningKeys, type RawEnvironment } from './load-environment.js';
import type { Environment, LogLevel, NodeEnv } from './environment.js';

export interface OidcProviderConfig {
  /** The `{provider}` path segment: `<NAME>` of `OIDC_<NAME>_*`, lower-cased. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS];
}

function oidcProviders(raw: RawEnvironment): OidcProviderConfig[] {
  const names = new Set<string>();
  for (const key of Object.keys(raw)) {
    const match = /^OIDC_([A-Z0-9]+)_ISSUER$/.exec(key);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].map((name) => ({
    name: name.toLowerCase(),
    issuer: raw[`OIDC_${name}_ISSUER`] ?? '',
    clientId: raw[`OIDC_${name}_CLIENT_ID`] ?? '',
    clientSecret: raw[`OIDC_${name}_CLIENT_SECRET`] ?? '',
  }));
}

/**
 * The typed configuration every service injects. Built once at boot from the validated
 * environment; sections group what each concern needs so no service reads process.env.
 */
export type ServiceName = 'api' | 'worker' | 'cli';

export class AppConfig {
  /** Which process this is: names it in logs, metrics and pg_stat_activity. */
  readonly service: ServiceName;
  readonly env: NodeEnv;
  readonly isProduction: boolean;
  readonly http: {
    port: number;
    publicApiUrl: string;
    corsOrigins: string[];
    trustProxy: string;
    bodyLimit: string;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    metricsPort: number;
    slowRequestMs: number;
  };
  readonly worker: { port: number; queueDashboard: { token: string; writable: boolean } };
  readonly database: {
    url: string;
    poolMax: number;
    acquireTimeoutMs: number;
    statementTimeoutMs: number;
    slowQueryMs: number;
  };
  readonly redis: { url: string; keyPrefix: string };
  readonly shutdown: { drainDelayMs: number; timeoutMs: number };
  readonly log: { level: LogLevel; pretty: boolean };
  readonly mail: {
    smtpUrl: string | undefined;
    /** Sends refuse a connection without TLS (SMTP_REQUIRE_TLS, production, a host that is not loopback). */
    requireTls: boolean;
    outboxDir: string;
    appWebUrl: string;
    from: string;
  };
  readonly secrets: { jwtSigningKeys: string[]; encryptionKey: Buffer };
  readonly jobs: { backoffMs: number; retainCompletedSeconds: number; retainFailedSeconds: number };
  readonly outbox: { retentionMs: number; pollIntervalMs: number; batchSize: number };
  readonly schedules: {
    outboxPurge: string;
    tokenPurge: string;
    idempotencyPurge: string;
    dailyDigest: string;
    webhookDeliveryPurge: string;
  };
  readonly rateLimit: { perMinute: number };
  readonly oidc: OidcProviderConfig[];
  /**
   * `slices`: the sections the contexts' configuration slices built (`defineConfig`), each
   * typed on `AppConfig` by its context through declaration merging.
   */
  constructor(
    service: ServiceName,
    env: Environment,
    raw: RawEnvironment = {},
    slices: Readonly<Record<string, unknown>> = {},
  ) {
    this.service = service;
    this.env = env.NODE_ENV;
    this.isProduction = env.NODE_ENV === 'production';
    this.http = {
      port: env.PORT,
      publicApiUrl: env.PUBLIC_API_URL.replace(/\/+$/, ''),
      corsOrigins: env.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      trustProxy: env.TRUST_PROXY,
      bodyLimit: env.BODY_LIMIT,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      metricsPort: env.METRICS_PORT,
      slowRequestMs: env.SLOW_REQUEST_MS,
    };
    this.worker = {
      port: env.WORKER_PORT,
      queueDashboard: { token: env.QUEUE_DASHBOARD_TOKEN, writable: env.QUEUE_DASHBOARD_WRITABLE },
    };
    this.database = {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      acquireTimeoutMs: env.DATABASE_POOL_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      slowQueryMs: env.DATABASE_SLOW_QUERY_MS,
    };
    this.redis = { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX };
    this.shutdown = { drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS, timeoutMs: env.SHUTDOWN_TIMEOUT_MS };
    this.log = { level: env.LOG_LEVEL, pretty: env.NODE_ENV === 'development' };
    this.mail = {
      smtpUrl: env.SMTP_URL,
      requireTls: this.isProduction && env.SMTP_REQUIRE_TLS && env.SMTP_URL !== undefined && needsTls(env.SMTP_URL),
      outboxDir: env.MAIL_OUTBOX_DIR,
      appWebUrl: env.APP_WEB_URL.replace(/\/+$/, ''),
      from: env.MAIL_FROM,
    };
    // loadEnvironment guarantees both secrets exist (given, or generated in development).
    this.secrets = {
      jwtSigningKeys: parseSigningKeys(env.JWT_SIGNING_KEYS ?? ''),
      encryptionKey: Buffer.from(env.ENCRYPTION_KEY ?? '', 'base64'),
    };
    this.jobs = {
      backoffMs: env.JOB_BACKOFF_MS,
      retainCompletedSeconds: env.JOB_RETAIN_COMPLETED_HOURS * 3600,
      retainFailedSeconds: env.JOB_RETAIN_FAILED_DAYS * 86_400,
    };
    this.outbox = {
      retentionMs: env.OUTBOX_RETENTION_HOURS * 3_600_000,
      pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
      batchSize: env.OUTBOX_BATCH_SIZE,
    };
    this.schedules = {
      outboxPurge: env.CRON_OUTBOX_PURGE,
      tokenPurge: env.CRON_TOKEN_PURGE,
      idempotencyPurge: env.CRON_IDEMPOTENCY_PURGE,
      dailyDigest: env.CRON_DAILY_DIGEST,
      webhookDeliveryPurge: env.CRON_WEBHOOK_DELIVERY_PURGE,
    };
    this.rateLimit = { perMinute: env.RATE_LIMIT_PER_MINUTE };
    this.oidc = oidcProviders(raw);
    Object.assign(this, slices);
  }
}

/**
 * Whether mail to this SMTP URL must still ask for TLS: `smtps://` is TLS from the first byte,
 * and a loopback host (`localhost`, 127.0.0.0/8, ::1) never leaves the machine — a local relay
 * or a test server.
 */
function needsTls(smtpUrl: string): boolean {
  const url = new URL(smtpUrl);
  if (url.protocol === 'smtps:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback =
    host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1';
  return !loopback;
}
