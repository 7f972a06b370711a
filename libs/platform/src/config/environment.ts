import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_DATABASE_URL } from './env-sources.js';
import { envBool, envInt, URL_OPTS } from './env-transforms.js';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A cron pattern of 5 or 6 space-separated fields. */
const CRON = /^(\S+\s+){4,5}\S+$/;

/**
 * The operator contract (docs/http-api.md, operator contract): every variable the apps read, with its
 * development default. Production-only requirements are checked in `load-environment.ts`.
 */
export class Environment {
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @Transform(envInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @Transform(envInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  WORKER_PORT = 3001;

  /** The api's Prometheus port (`/metrics` is not served on PORT). 0: any free port (several apis on one host). */
  @Transform(envInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  /** The worker's queue dashboard (Bull Board, on WORKER_PORT under /queues): off while empty. */
  @IsString()
  @Matches(/^$|^\S{24,}$/, { message: 'QUEUE_DASHBOARD_TOKEN must be empty (dashboard off) or at least 24 characters' })
  QUEUE_DASHBOARD_TOKEN = '';

  /** `true` lets the queue dashboard retry, promote and remove jobs; read-only otherwise. */
  @Transform(envBool)
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
  @Transform(envInt)
  @IsInt()
  @Min(1)
  SLOW_REQUEST_MS = 1000;

  @IsUrl({ ...URL_OPTS, protocols: ['postgres', 'postgresql'] })
  DATABASE_URL = DEFAULT_DATABASE_URL;

  @Transform(envInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_MAX = 10;

  @Transform(envInt)
  @IsInt()
  @Min(100)
  DATABASE_POOL_ACQUIRE_TIMEOUT_MS = 5000;

  @Transform(envInt)
  @IsInt()
  @Min(100)
  DATABASE_STATEMENT_TIMEOUT_MS = 15000;

  @Transform(envInt)
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
  @Transform(envBool)
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

  @Transform(envInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_DRAIN_DELAY_MS = 5000;

  @Transform(envInt)
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

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(envInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 600;

  /** Express `trust proxy` syntax: `loopback`, a CIDR list, a hop count; empty = trust none. */
  @IsString()
  TRUST_PROXY = '';

  @Transform(envInt)
  @IsInt()
  @Min(1)
  JOB_BACKOFF_MS = 1000;

  /** Default per-request timeout of the api (routes may set their own). */
  @Transform(envInt)
  @IsInt()
  @Min(100)
  REQUEST_TIMEOUT_MS = 30000;

  /**
   * How long an idle keep-alive connection stays open. Longer than any proxy's idle timeout in
   * front of the api: a proxy reusing a connection the api has just closed gets a reset.
   */
  @Transform(envInt)
  @IsInt()
  @Min(1000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 65000;

  /** Largest JSON body the api accepts. */
  @IsString()
  @Matches(/^\d+(b|kb|mb)$/i)
  BODY_LIMIT = '1mb';

  /** Completed jobs are kept this long (also how long a replayed event is recognised). */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  JOB_RETAIN_COMPLETED_HOURS = 24;

  /** Failed jobs (dead letters) are kept this long for inspection and retry. */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  JOB_RETAIN_FAILED_DAYS = 14;

  /** The relay's fallback poll when no NOTIFY arrives (LISTEN connection lost, missed wake-up). */
  @Transform(envInt)
  @IsInt()
  @Min(10)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  /** Events claimed per relay transaction. */
  @Transform(envInt)
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

  /** How long relayed outbox rows are kept before the purge. */
  @Transform(envInt)
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
}
