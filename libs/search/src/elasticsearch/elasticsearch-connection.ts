import type { OnApplicationShutdown } from '@nestjs/common';
import type { Client, ClientOptions } from '@elastic/elasticsearch';
import type { SearchConfig } from '../config/search-config.js';

/** Per request: a search answers or fails within this; the client retries a failed node twice. */
const REQUEST_TIMEOUT_MS = 5_000;

/** The client options of the configured server (ELASTICSEARCH_URL, ELASTICSEARCH_API_KEY). */
export function elasticsearchClientOptions(config: SearchConfig['elasticsearch']): ClientOptions {
  return {
    node: config.url,
    ...(config.apiKey === undefined ? {} : { auth: { apiKey: config.apiKey } }),
    requestTimeout: REQUEST_TIMEOUT_MS,
    maxRetries: 2,
  };
}

/**
 * The Elasticsearch client of this process, closed when the application shuts down. The client
 * library is imported only with SEARCH_DRIVER=elasticsearch: loaded, it costs each app ~38 MiB
 * of memory that PostgreSQL search does not need.
 */
export class ElasticsearchConnection implements OnApplicationShutdown {
  private constructor(
    private readonly opened: Client | undefined,
    readonly alias: string,
  ) {}

  static async open(config: SearchConfig): Promise<ElasticsearchConnection> {
    if (config.driver !== 'elasticsearch') return new ElasticsearchConnection(undefined, config.elasticsearch.alias);
    const { Client } = await import('@elastic/elasticsearch');
    return new ElasticsearchConnection(
      new Client(elasticsearchClientOptions(config.elasticsearch)),
      config.elasticsearch.alias,
    );
  }

  get client(): Client {
    if (this.opened === undefined) throw new Error('no Elasticsearch client: SEARCH_DRIVER is not elasticsearch');
    return this.opened;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.opened?.close();
  }
}
