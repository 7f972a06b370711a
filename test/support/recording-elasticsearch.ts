import { createRequire } from 'node:module';
import { Client, type ClientOptions } from '@elastic/elasticsearch';

// The mock is CommonJS and builds its answers with the client's CommonJS error classes (the ES
// module build has its own copies): both are loaded with require, errors handed to it included.
const require = createRequire(import.meta.url);
const Mock = require('@elastic/elasticsearch-mock') as new () => ClientMock;

/** The part of `@elastic/elasticsearch-mock`'s ClientMock used here (its typings assume a CommonJS importer). */
interface ClientMock {
  add(
    pattern: { method: string | string[]; path: string | string[] },
    resolver: (params: {
      method: string;
      path: string;
      querystring?: Record<string, string>;
      body?: unknown;
    }) => unknown,
  ): unknown;
  getConnection(): ClientOptions['Connection'];
}
const { errors } = require('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');

/** One request the client sent, as Elasticsearch would receive it (a `_bulk` body as its lines). */
export interface RecordedRequest {
  method: string;
  path: string;
  querystring: Record<string, unknown>;
  body: unknown;
}

/** Answers a request: a response body, or one of the errors below. */
export type Responder = (request: RecordedRequest) => unknown;

/**
 * A real `@elastic/elasticsearch` client whose transport is Elastic's official mock: every
 * request is recorded, so tests can assert exactly what was sent, and answered by `respond`
 * with the response shapes of a real server. No Elasticsearch server runs in these tests.
 */
export class RecordingElasticsearch {
  readonly requests: RecordedRequest[] = [];
  readonly client: Client;
  private readonly mock = new Mock();

  constructor(respond: Responder) {
    this.client = new Client({ node: 'http://127.0.0.1:9200', Connection: this.mock.getConnection(), maxRetries: 0 });
    this.mock.add({ method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'], path: '*' }, (params) => {
      const request: RecordedRequest = {
        method: params.method,
        path: params.path,
        querystring: { ...params.querystring },
        body: params.body ?? null,
      };
      this.requests.push(request);
      return respond(request);
    });
  }

  /** The recorded requests without their bodies, to compare sequences. */
  lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  clear(): void {
    this.requests.length = 0;
  }

  static error(statusCode: number, body: unknown): Error {
    return new errors.ResponseError({ body, statusCode, headers: {}, warnings: null, meta: {} as never });
  }

  static unreachable(): Error {
    return new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200');
  }
}
