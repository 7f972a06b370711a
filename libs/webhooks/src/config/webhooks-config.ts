import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import {
  type AppConfig,
  defineConfig,
  envBool,
  envInt,
  type OutboundPolicy,
  parseDuration,
} from '@groundwork/platform';

/** The webhooks context's variables (docs/http-api.md, operator contract), with their development defaults. */
export class WebhooksEnvironment {
  @Transform(envBool)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_NETWORKS = false;

  /** Unset → true in development and test, false in production. */
  @IsOptional()
  @Transform(envBool)
  @IsBoolean()
  WEBHOOK_ALLOW_HTTP?: boolean;

  @IsString()
  @Matches(/^\s*\d+(ms|s|m|h)\s*(,\s*\d+(ms|s|m|h)\s*)*$/, {
    message: 'WEBHOOK_RETRY_DELAYS must be a comma-separated list of durations like 5s,5m,2h',
  })
  WEBHOOK_RETRY_DELAYS = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

  @Transform(envInt)
  @IsInt()
  @Min(100)
  WEBHOOK_TIMEOUT_MS = 10000;

  @Transform(envInt)
  @IsInt()
  @Min(1)
  WEBHOOK_DISABLE_AFTER = 5;

  /** How long the delivery log keeps a finished delivery. */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

  /** Ports webhook URLs may name (any when WEBHOOK_ALLOW_PRIVATE_NETWORKS is true). */
  @IsString()
  @Matches(/^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$/, {
    message: 'WEBHOOK_ALLOWED_PORTS must be a comma-separated list of port numbers',
  })
  WEBHOOK_ALLOWED_PORTS = '80,443,8080,8443';

  /** Delivery slots one workspace may hold at once on one worker: its slow receivers cannot take them all. */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  WEBHOOK_WORKSPACE_CONCURRENCY = 5;
}

export interface WebhooksConfig {
  allowPrivateNetworks: boolean;
  allowHttp: boolean;
  retryDelaysMs: number[];
  timeoutMs: number;
  disableAfter: number;
  deliveryRetentionDays: number;
  /** Ports webhook URLs may use; not applied when private networks are allowed. */
  allowedPorts: number[];
  workspaceConcurrency: number;
}

/** `config.webhooks` (registered when the library loads). */
export const WEBHOOKS_CONFIG = defineConfig({
  key: 'webhooks',
  environment: WebhooksEnvironment,
  build: (env, { isProduction }): WebhooksConfig => ({
    allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    allowHttp: env.WEBHOOK_ALLOW_HTTP ?? !isProduction,
    retryDelaysMs: env.WEBHOOK_RETRY_DELAYS.split(',').map(parseDuration),
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    disableAfter: env.WEBHOOK_DISABLE_AFTER,
    deliveryRetentionDays: env.WEBHOOK_DELIVERY_RETENTION_DAYS,
    allowedPorts: env.WEBHOOK_ALLOWED_PORTS.split(',').map((port) => Number(port.trim())),
    workspaceConcurrency: env.WEBHOOK_WORKSPACE_CONCURRENCY,
  }),
});

/** What webhook deliveries may reach (`WEBHOOK_ALLOW_*`, `WEBHOOK_ALLOWED_PORTS`): the policy of the context's SafeHttpClient. */
export function webhookOutboundPolicy(config: AppConfig): OutboundPolicy {
  return {
    allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
    allowHttp: config.webhooks.allowHttp,
    allowedPorts: config.webhooks.allowedPorts,
  };
}

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly webhooks: WebhooksConfig;
  }
}
