import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { DEFAULT_DATABASE_URL } from './env-sources.js';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const STORAGE_DRIVERS = ['local', 's3'] as const;
export type StorageDriver = (typeof STORAGE_DRIVERS)[number];
/** The search engines this build has (the Elasticsearch adapter is not built yet). */
export const SEARCH_DRIVERS = ['postgres'] as const;
export type SearchDriver = (typeof SEARCH_DRIVERS)[number];

/** PostgreSQL's Snowball stemmers (`<language>_stem`) and `simple` (no stemming). */
export const SEARCH_LANGUAGES = [
  'simple',
  'arabic',
  'armenian',
  'basque',
  'catalan',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hindi',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'nepali',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'serbian',
  'spanish',
  'swedish',
  'tamil',
  'turkish',
  'yiddish',
] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return value;
};

/** A cron pattern of 5 or 6 space-separated fields. */
const CRON = /^(\S+\s+){4,5}\S+$/;

const URL_OPTS = { require_tld: false, require_protocol: true } as const;

/**
 * The operator contract (docs/http-api.md, operator contract): every variable the apps read, with its
 * development default. Production-only requirements are checked in `load-environment.ts`.
 */
export class Environment {
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  WORKER_PORT = 3001;

  /** The api's Prometheus port (`/metrics` is not served on PORT). 0: any free port (several apis on one host). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  /** The worker's queue dashboard (Bull Board, on WORKER_PORT under /queues): off while empty. */
  @IsString()
  @Matches(/^$|^\S{24,}$/, { message: 'QUEUE_DASHBOARD_TOKEN must be empty (dashboard off) or at least 24 characters' })
  QUEUE_DASHBOARD_TOKEN = '';

  /** `true` lets the queue dashboard retry, promote and remove jobs; read-only otherwise. */
  @Transform(toBool)
  @IsBoolean()
  QUEUE_DASHBOARD_WRITABLE = false;

  /*
   * OpenTelemetry, read by the SDK itself before this schema loads (tracing starts first);
   * validated here so a typo fails the boot instead of silently exporting nothing.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsOptional()
  @IsIn(['http/protobuf', 'http/json', 'grpc'])
  OTEL_EXPORTER_OTLP_PROTOCOL?: string;

  @IsOptional()
  @IsIn([
    'always_on',
    'always_off',
    'traceidratio',
    'parentbased_always_on',
    'parentbased_always_off',
    'parentbased_traceidratio',
  ])
  OTEL_TRACES_SAMPLER?: string;

  @IsOptional()
  @Matches(/^(0(\.\d+)?|1(\.0+)?)$/, { message: 'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1' })
  OTEL_TRACES_SAMPLER_ARG?: string;

  @IsOptional()
  @IsIn(['true', 'false', 'TRUE', 'FALSE', 'True', 'False', ''])
  OTEL_SDK_DISABLED?: string;

  /** Requests slower than this are logged (warn) with their request and trace ids. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SLOW_REQUEST_MS = 1000;

  @IsUrl({ ...URL_OPTS, protocols: ['postgres', 'postgresql'] })
  DATABASE_URL = DEFAULT_DATABASE_URL;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_MAX = 10;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DATABASE_POOL_ACQUIRE_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DATABASE_STATEMENT_TIMEOUT_MS = 15000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  DATABASE_SLOW_QUERY_MS = 200;

  @IsUrl({ ...URL_OPTS, protocols: ['redis', 'rediss'] })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key and BullMQ queue: lets several deployments (or test runs) share a Redis. */
  @IsString()
  @Matches(/^[A-Za-z0-9:_-]{1,64}$/)
  REDIS_KEY_PREFIX = 'gw';

  @IsUrl({ ...URL_OPTS, protocols: ['http', 'https'] })
  APP_WEB_URL = 'http://localhost:5173';

  @IsOptional()
  @IsUrl({ ...URL_OPTS, protocols: ['smtp', 'smtps'] })
  SMTP_URL?: string;

  /**
   * In production, mail to an SMTP host that is not loopback must go over TLS (STARTTLS or
   * smtps://); `false` lets it go in the clear. Ignored outside production.
   */
  @Transform(toBool)
  @IsBoolean()
  SMTP_REQUIRE_TLS = true;

  /** Sender of every mail. */
  @IsString()
  @Matches(/^[^<>\n]*<[^@\s<>]+@[^@\s<>]+>$|^[^@\s<>]+@[^@\s<>]+$/, {
    message: 'MAIL_FROM must be an address or "Name <address>"',
  })
  MAIL_FROM = 'Groundwork <no-reply@groundwork.local>';

  /** Where development mails are written as .eml files when SMTP_URL is unset. */
  @IsString()
  MAIL_OUTBOX_DIR = 'var/mail';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_DRAIN_DELAY_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 20000;

  @IsUrl({ ...URL_OPTS, protocols: ['http', 'https'] })
  PUBLIC_API_URL = 'http://localhost:3000';

  /** Comma-separated list of allowed browser origins. */
  @IsString()
  @Matches(/^(\s*https?:\/\/[^\s,]+\s*)?(,\s*https?:\/\/[^\s,]+\s*)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of http(s) origins',
  })
  CORS_ORIGINS = '';

  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_NETWORKS = false;

  /** Unset → true in development and test, false in production (see AppConfig). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_HTTP?: boolean;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 600;

  /** argon2id hashes running at once per process; more wait up to 2 s, then 503. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PASSWORD_HASH_CONCURRENCY = 4;

  /** Express `trust proxy` syntax: `loopback`, a CIDR list, a hop count; empty = trust none. */
  @IsString()
  TRUST_PROXY = '';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  JOB_BACKOFF_MS = 1000;

  @IsString()
  @Matches(/^\s*\d+(ms|s|m|h)\s*(,\s*\d+(ms|s|m|h)\s*)*$/, {
    message: 'WEBHOOK_RETRY_DELAYS must be a comma-separated list of durations like 5s,5m,2h',
  })
  WEBHOOK_RETRY_DELAYS = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  WEBHOOK_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_DISABLE_AFTER = 5;

  /** Ports webhook URLs may name (any when WEBHOOK_ALLOW_PRIVATE_NETWORKS is true). */
  @IsString()
  @Matches(/^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$/, {
    message: 'WEBHOOK_ALLOWED_PORTS must be a comma-separated list of port numbers',
  })
  WEBHOOK_ALLOWED_PORTS = '80,443,8080,8443';

  /** Delivery slots one workspace may hold at once on one worker: its slow receivers cannot take them all. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_WORKSPACE_CONCURRENCY = 5;

  /** The search engine: PostgreSQL full-text search (nothing to install). */
  @IsIn(SEARCH_DRIVERS)
  SEARCH_DRIVER: SearchDriver = 'postgres';

  /** The language of stemming; changing it takes effect with `npm run search:reindex`. */
  @IsIn(SEARCH_LANGUAGES)
  SEARCH_LANGUAGE: SearchLanguage = 'english';

  /** Default per-request timeout of the api (routes may set their own). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  REQUEST_TIMEOUT_MS = 30000;

  /**
   * How long an idle keep-alive connection stays open. Longer than any proxy's idle timeout in
   * front of the api: a proxy reusing a connection the api has just closed gets a reset.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 65000;

  /** Largest JSON body the api accepts. */
  @IsString()
  @Matches(/^\d+(b|kb|mb)$/i)
  BODY_LIMIT = '1mb';

  /** Completed jobs are kept this long (also how long a replayed event is recognised). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  JOB_RETAIN_COMPLETED_HOURS = 24;

  /** Failed jobs (dead letters) are kept this long for inspection and retry. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  JOB_RETAIN_FAILED_DAYS = 14;

  /** The relay's fallback poll when no NOTIFY arrives (LISTEN connection lost, missed wake-up). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  /** Events claimed per relay transaction. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  OUTBOX_BATCH_SIZE = 500;

  /** Cron patterns of the scheduled jobs (5 fields, or 6 with seconds). */
  @IsString()
  @Matches(CRON)
  CRON_OUTBOX_PURGE = '17 * * * *';

  @IsString()
  @Matches(CRON)
  CRON_TOKEN_PURGE = '23 3 * * *';

  /** Expired idempotency keys (kept 24 h) are removed hourly. */
  @IsString()
  @Matches(CRON)
  CRON_IDEMPOTENCY_PURGE = '41 * * * *';

  /** When each assignee is mailed their tasks due in the next 24 h (UTC). */
  @IsString()
  @Matches(CRON)
  CRON_DAILY_DIGEST = '0 7 * * *';

  /** When webhook deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS are removed (with their attempts). */
  @IsString()
  @Matches(CRON)
  CRON_WEBHOOK_DELIVERY_PURGE = '29 4 * * *';

  /** How long the delivery log keeps a finished delivery. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

  /** How long relayed outbox rows are kept before the purge. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_HOURS = 72;

  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  JWT_SIGNING_KEYS?: string;

  @IsOptional()
  @IsString()
  ENCRYPTION_KEY?: string;

  /** Where development secrets are generated; never used in production. */
  @IsString()
  DEV_SECRETS_FILE = '.secrets/dev-secrets.json';

  /** Real-time (SSE, WebSocket): how often an idle SSE stream gets a heartbeat comment. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  REALTIME_HEARTBEAT_MS = 15000;

  /** The `retry:` hint of SSE streams: how long a client waits before reconnecting. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  REALTIME_RETRY_MS = 3000;

  /** How often WebSocket clients are pinged; one missing pong and the connection is cut. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  REALTIME_WS_PING_MS = 30000;

  /** About how many events each workspace's event log keeps for `Last-Event-ID` resumption. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  REALTIME_LOG_MAX_LENGTH = 1000;

  /** How long an idle workspace's event log is kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  REALTIME_LOG_RETENTION_HOURS = 24;

  /** How often open SSE and WebSocket connections re-check that their session is still live (logout, reset). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  REALTIME_SESSION_CHECK_MS = 5000;

  /** Lifetime of a single-use WebSocket ticket. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  REALTIME_TICKET_TTL_SECONDS = 30;

  /** Unsent bytes a connection may hold before it is dropped as a slow consumer. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  REALTIME_MAX_BUFFERED_BYTES = 1_048_576;

  /**
   * How long the hub gathers events before writing them out: each connection then gets one
   * write per window instead of one per event (0 = at the next turn of the event loop).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  REALTIME_FLUSH_INTERVAL_MS = 20;

  /** Where attachments are kept: `local` (a folder, STORAGE_DIR) or `s3` (any S3-compatible store). */
  @IsIn(STORAGE_DRIVERS)
  STORAGE_DRIVER: StorageDriver = 'local';

  /** The local driver's folder (relative to the working directory unless absolute). */
  @IsString()
  @MinLength(1)
  STORAGE_DIR = 'var/storage';

  /** The S3 driver's endpoint; unset → AWS's own for S3_REGION. */
  @IsOptional()
  @IsUrl({ ...URL_OPTS, protocols: ['http', 'https'] })
  S3_ENDPOINT?: string;

  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/)
  S3_REGION = 'us-east-1';

  @IsString()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a valid bucket name' })
  S3_BUCKET = 'groundwork';

  /** Unset (with the secret) → the SDK's default credential chain (environment, instance role). */
  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  /** `true` addresses the bucket in the path (`endpoint/bucket/key`), as most S3-compatible stores need. */
  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** The largest attachment uploaded through the api (a file of exactly this size is accepted). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ATTACHMENT_MAX_BYTES = 100 * 1024 * 1024;

  /** What one workspace's attachments may take together. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  WORKSPACE_STORAGE_QUOTA_BYTES = 10 * 1024 * 1024 * 1024;

  /** Comma-separated emails of platform administrators (feature flags, the admin audit log); verified accounts only. */
  @IsString()
  @MaxLength(100_000)
  PLATFORM_ADMIN_EMAILS = '';

  /**
   * How often each instance reloads every feature flag from the database, whatever it heard on
   * Redis: heals a change notice lost while its subscriber connection was down.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  FLAGS_REFRESH_INTERVAL_MS = 30000;
}
