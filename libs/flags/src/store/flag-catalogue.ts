import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig, RedisService } from '@groundwork/platform';
import { builtInDefinitions, type FlagDefinition } from '../definitions/flag-definition.js';
import { FlagRepository } from './flag-repository.js';

/** Where the catalogue's current definitions came from. */
export type FlagSource = 'storage' | 'built-in defaults';

/**
 * Every flag this instance evaluates against, in memory: evaluating a flag on the request path
 * costs no I/O. The definitions are reloaded from PostgreSQL
 * - right after this instance changed one (the writer reads its own write),
 * - when any instance announces a change on Redis (every instance sees it within about a
 *   round trip; measured by `npm run bench:flags`),
 * - when the subscriber connection comes back (messages sent while it was down are lost), and
 * - every `FLAGS_REFRESH_INTERVAL_MS`, which heals a notice lost any other way.
 * When flag storage cannot be read, every flag answers its built-in default (logged once per
 * outage) until a reload succeeds; evaluation itself never fails because of it.
 */
@Injectable()
export class FlagCatalogue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FlagCatalogue.name);
  private readonly channel: string;
  private definitions: ReadonlyMap<string, FlagDefinition> = builtInDefinitions();
  private currentSource: FlagSource = 'built-in defaults';
  private currentGeneration = 0;
  private storageFailing = false;
  private subscriber?: Redis;
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;
  private reloadAgain = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly repository: FlagRepository,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.channel = `${config.redis.keyPrefix}:flags:changed`;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Without the client-side key prefix: the channel carries the prefix itself.
    this.subscriber = this.redis.duplicate({ connectionName: `groundwork-${this.config.service}-flags-sub` });
    this.subscriber.on('error', (error: Error) => this.logger.debug({ err: error }, 'flags subscriber error'));
    this.subscriber.on('message', () => void this.reload());
    // After a reconnection ioredis resubscribes; what was published meanwhile is lost: reload.
    let connectedBefore = false;
    this.subscriber.on('ready', () => {
      if (connectedBefore) void this.reload();
      connectedBefore = true;
    });
    // Not awaited: a Redis outage must not keep the app from starting (ioredis resubscribes).
    this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not subscribe to flag changes yet');
    });
    this.timer = setInterval(() => void this.reload(), this.config.flags.refreshIntervalMs).unref();
    await this.reload();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** The definition evaluation uses for `key`, or undefined for a flag nobody declared. */
  get(key: string): FlagDefinition | undefined {
    return this.definitions.get(key);
  }

  /** Every flag, by key. */
  all(): FlagDefinition[] {
    return [...this.definitions.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  get source(): FlagSource {
    return this.currentSource;
  }

  /** Changes with every load: what evaluation remembers stays valid while it does not. */
  get generation(): number {
    return this.currentGeneration;
  }

  /** Called after every reload, successful or not (tests, benchmarks). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Tells every instance (this one included) that the definitions changed. Never throws. */
  async announceChange(key: string): Promise<void> {
    try {
      await this.redis.client.publish(this.channel, key);
    } catch (error) {
      this.logger.warn(
        { err: error, flag: key },
        'could not announce a flag change; instances pick it up on their next periodic reload',
      );
    }
  }

  /**
   * Loads every definition again. One load at a time: a request for a reload while one runs
   * makes one more run after it, so a change committed during a load is never missed.
   */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.loadRepeatedly().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async loadRepeatedly(): Promise<void> {
    do {
      this.reloadAgain = false;
      await this.load();
    } while (this.reloadAgain);
  }

  private async load(): Promise<void> {
    let next: Map<string, FlagDefinition>;
    let source: FlagSource;
    try {
      const stored = await this.repository.list();
      next = builtInDefinitions();
      for (const definition of stored) next.set(definition.key, definition);
      source = 'storage';
      if (this.storageFailing) this.logger.log('flag storage answers again: flags follow their definitions');
      this.storageFailing = false;
    } catch (error) {
      if (!this.storageFailing) {
        this.logger.warn({ err: error }, 'flag storage unreachable: every flag answers its built-in default');
      }
      this.storageFailing = true;
      next = builtInDefinitions();
      source = 'built-in defaults';
    }
    this.definitions = next;
    this.currentSource = source;
    this.currentGeneration += 1;
    for (const listener of this.listeners) listener();
  }
}
