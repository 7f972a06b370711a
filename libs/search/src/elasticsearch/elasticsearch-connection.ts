import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { AppConfig } from '@groundwork/platform';
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
 * The Elasticsearch client of this process. It opens connections only when first used, so it
 * costs nothing with SEARCH_DRIVER=postgres; closed when the application shuts down.
 */
@Injectable()
export class ElasticsearchConnection implements OnApplicationShutdown {
  readonly client: Client;
  readonly alias: string;

  constructor(config: AppConfig) {
    this.client = new Client(elasticsearchClientOptions(config.search.elasticsearch));
    this.alias = config.search.elasticsearch.alias;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
