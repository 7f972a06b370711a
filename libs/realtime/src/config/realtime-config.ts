import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { defineConfig, envInt } from '@groundwork/platform';

/** The real-time context's variables (SSE, WebSocket), with their development defaults. */
export class RealtimeEnvironment {
  /** How often an idle SSE stream gets a heartbeat comment. */
  @Transform(envInt)
  @IsInt()
  @Min(10)
  REALTIME_HEARTBEAT_MS = 15000;

  /** The `retry:` hint of SSE streams: how long a client waits before reconnecting. */
  @Transform(envInt)
  @IsInt()
  @Min(0)
  REALTIME_RETRY_MS = 3000;

  /** How often WebSocket clients are pinged; one missing pong and the connection is cut. */
  @Transform(envInt)
  @IsInt()
  @Min(10)
  REALTIME_WS_PING_MS = 30000;

  /** About how many events each workspace's event log keeps for `Last-Event-ID` resumption. */
  @Transform(envInt)
  @IsInt()
  @Min(10)
  REALTIME_LOG_MAX_LENGTH = 1000;

  /** How long an idle workspace's event log is kept. */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  REALTIME_LOG_RETENTION_HOURS = 24;

  /** How often open SSE and WebSocket connections re-check that their session is still live (logout, reset). */
  @Transform(envInt)
  @IsInt()
  @Min(100)
  REALTIME_SESSION_CHECK_MS = 5000;

  /** Lifetime of a single-use WebSocket ticket. */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  @Max(300)
  REALTIME_TICKET_TTL_SECONDS = 30;

  /** Unsent bytes a connection may hold before it is dropped as a slow consumer. */
  @Transform(envInt)
  @IsInt()
  @Min(1024)
  REALTIME_MAX_BUFFERED_BYTES = 1_048_576;

  /**
   * How long the hub gathers events before writing them out: each connection then gets one
   * write per window instead of one per event (0 = at the next turn of the event loop).
   */
  @Transform(envInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  REALTIME_FLUSH_INTERVAL_MS = 20;
}

export interface RealtimeConfig {
  heartbeatMs: number;
  retryMs: number;
  wsPingMs: number;
  sessionCheckMs: number;
  logMaxLength: number;
  logRetentionSeconds: number;
  ticketTtlSeconds: number;
  maxBufferedBytes: number;
  flushIntervalMs: number;
}

/** `config.realtime` (registered when the library loads). */
export const REALTIME_CONFIG = defineConfig({
  key: 'realtime',
  environment: RealtimeEnvironment,
  build: (env): RealtimeConfig => ({
    heartbeatMs: env.REALTIME_HEARTBEAT_MS,
    retryMs: env.REALTIME_RETRY_MS,
    wsPingMs: env.REALTIME_WS_PING_MS,
    sessionCheckMs: env.REALTIME_SESSION_CHECK_MS,
    logMaxLength: env.REALTIME_LOG_MAX_LENGTH,
    logRetentionSeconds: env.REALTIME_LOG_RETENTION_HOURS * 3600,
    ticketTtlSeconds: env.REALTIME_TICKET_TTL_SECONDS,
    maxBufferedBytes: env.REALTIME_MAX_BUFFERED_BYTES,
    flushIntervalMs: env.REALTIME_FLUSH_INTERVAL_MS,
  }),
});

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly realtime: RealtimeConfig;
  }
}
