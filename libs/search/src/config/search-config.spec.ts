import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type AppConfig, loadAppConfig, type RawEnvironment } from '@groundwork/platform';
import './search-config.js';

/** Given secrets: a development environment generates none. */
const SECRETS = {
  JWT_SIGNING_KEYS: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://gw@db.internal:5432/groundwork',
  REDIS_URL: 'redis://redis.internal:6379',
  SMTP_URL: 'smtp://smtp.internal:25',
  APP_WEB_URL: 'https://app.example.com',
  PUBLIC_API_URL: 'https://api.example.com',
};

describe('the search configuration (config.search)', () => {
  function appConfig(raw: RawEnvironment): AppConfig {
    return loadAppConfig('api', { ...SECRETS, ...raw });
  }

  it('uses PostgreSQL search by default, with the Elasticsearch driver’s settings ready for SEARCH_DRIVER=elasticsearch', () => {
    expect(appConfig({}).search).toEqual({
      driver: 'postgres',
      language: 'english',
      elasticsearch: { url: 'http://127.0.0.1:9200', apiKey: undefined, alias: 'groundwork-development' },
    });
  });

  it('names the Elasticsearch alias after ELASTICSEARCH_INDEX_PREFIX and the environment, one per environment', () => {
    const config = appConfig({
      ...PRODUCTION,
      SEARCH_DRIVER: 'elasticsearch',
      ELASTICSEARCH_URL: 'https://search.internal:9243',
      ELASTICSEARCH_API_KEY: 'a2V5OnNlY3JldA==',
      ELASTICSEARCH_INDEX_PREFIX: 'acme',
    });

    expect(config.search.driver).toBe('elasticsearch');
    expect(config.search.elasticsearch).toEqual({
      url: 'https://search.internal:9243',
      apiKey: 'a2V5OnNlY3JldA==',
      alias: 'acme-production',
    });
  });

  it('refuses an unknown SEARCH_DRIVER, a non-http ELASTICSEARCH_URL and an index prefix Elasticsearch would refuse', () => {
    expect(() =>
      appConfig({
        SEARCH_DRIVER: 'solr',
        ELASTICSEARCH_URL: 'ftp://search.internal',
        ELASTICSEARCH_INDEX_PREFIX: 'Upper*Case',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/^SEARCH_DRIVER: /),
          expect.stringMatching(/^ELASTICSEARCH_URL: /),
          expect.stringMatching(/^ELASTICSEARCH_INDEX_PREFIX: /),
        ]),
      }),
    );
  });

  it('reads ELASTICSEARCH_API_KEY from its X_FILE variable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-search-config-'));
    try {
      const keyPath = path.join(dir, 'es-api-key');
      writeFileSync(keyPath, 'a2V5OnNlY3JldA==\n');
      const config = appConfig({ SEARCH_DRIVER: 'elasticsearch', ELASTICSEARCH_API_KEY_FILE: keyPath });
      expect(config.search.elasticsearch.apiKey).toBe('a2V5OnNlY3JldA==');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
