import { once } from 'node:events';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config.js';

/**
 * The process's general-purpose Redis connection (cache, rate limits, locks, pub/sub come
 * later). Commands fail fast while Redis is down instead of queueing, so callers can degrade;
 * the connection keeps retrying in the background and recovers by itself.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis;
  /** Prefix for every key this deployment writes. */
  readonly keyPrefix: string;

  constructor(private readonly config: AppConfig) {
    this.keyPrefix = `${config.redis.keyPrefix}:`;
    this.client = new Redis(config.redis.url, {
      ...RedisService.baseOptions(),
      keyPrefix: this.keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Commands issued during one turn of the event loop (every request that arrived in it
      // asks for its rate-limit count, cache versions...) go out in one write, not one each.
      enableAutoPipelining: true,
      connectionName: `groundwork-${config.service}`,
    });
    let reported = false;
    this.client.on('error', (error: Error) => {
      if (!reported) this.logger.warn({ err: error }, 'redis unavailable; retrying in the background');
      reported = true;
    });
    this.client.on('ready', () => {
      if (reported) this.logger.log('redis connection restored');
      reported = false;
    });
  }

  /** Resolves once the connection is ready: before that, commands are refused (no offline queue). */
  async whenReady(): Promise<void> {
    if (this.client.status !== 'ready') await once(this.client, 'ready');
  }

  /** Options shared by every connection of the process (BullMQ adds its own). */
  static baseOptions(): RedisOptions {
    return {
      connectTimeout: 2000,
      // Reconnect with capped exponential backoff, forever: a Redis blip must heal by itself.
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
    };
  }

  /** A new connection for blocking or subscriber use (those cannot share the main one). */
  duplicate(options: RedisOptions = {}): Redis {
    return new Redis(this.config.redis.url, { ...RedisService.baseOptions(), ...options });
  }

  async ping(timeoutMs: number): Promise<boolean> {
    if (this.client.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.client.ping().then((r) => r === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
