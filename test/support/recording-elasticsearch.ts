import { createRequire } from 'node:module';
import { Client } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';

// The mock builds its answers with the client's CommonJS error classes (the ES module build has
// its own copies), so errors handed to it come from there.
const require = createRequire(import.meta.url);
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
        querystring: { ...(params.querystring as Record<string, unknown>) },
        body: params.body ?? null,
      };
      this.requests.push(request);
      return respond(request) as never;
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
