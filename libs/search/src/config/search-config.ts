import { IsIn, IsOptional, IsString, IsUrl, Matches, MinLength } from 'class-validator';
import { defineConfig, URL_OPTS } from '@groundwork/platform';

/** The search engines: PostgreSQL full-text search (default) and Elasticsearch (the scale-out engine). */
export const SEARCH_DRIVERS = ['postgres', 'elasticsearch'] as const;
export type SearchDriver = (typeof SEARCH_DRIVERS)[number];

/** PostgreSQL's Snowball stemmers (`<language>_stem`) and `simple` (no stemming). */
export const SEARCH_LANGUAGES = [
  'simple',
  'arabic',
  'armenian',
  'basque',
  'catalan',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hindi',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'nepali',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'serbian',
  'spanish',
  'swedish',
  'tamil',
  'turkish',
  'yiddish',
] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

/** The search context's variables, with their development defaults. */
export class SearchEnvironment {
  /** The search engine: `postgres` (full-text search in the database, nothing to install) or `elasticsearch`. */
  @IsIn(SEARCH_DRIVERS)
  SEARCH_DRIVER: SearchDriver = 'postgres';

  /** The Elasticsearch driver's server (read only when SEARCH_DRIVER=elasticsearch). */
  @IsUrl({ ...URL_OPTS, protocols: ['http', 'https'] })
  ELASTICSEARCH_URL = 'http://127.0.0.1:9200';

  /** An Elasticsearch API key (the encoded form); unset → no authentication (a local server). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  ELASTICSEARCH_API_KEY?: string;

  /** The alias is `<prefix>-<NODE_ENV>`, its indices `<alias>-<timestamp>`: one per environment on a shared cluster. */
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'ELASTICSEARCH_INDEX_PREFIX must be lower-case letters, digits, - and _ (at most 64)',
  })
  ELASTICSEARCH_INDEX_PREFIX = 'groundwork';

  /** The language of stemming; changing it takes effect with `npm run search:reindex`. */
  @IsIn(SEARCH_LANGUAGES)
  SEARCH_LANGUAGE: SearchLanguage = 'english';
}

export interface SearchConfig {
  driver: SearchDriver;
  language: SearchLanguage;
  elasticsearch: {
    url: string;
    apiKey: string | undefined;
    /** The alias search reads and the indexer writes through: `<prefix>-<NODE_ENV>`. */
    alias: string;
  };
}

/** `config.search` (registered when the library loads). */
export const SEARCH_CONFIG = defineConfig({
  key: 'search',
  environment: SearchEnvironment,
  build: (env, { env: nodeEnv }): SearchConfig => ({
    driver: env.SEARCH_DRIVER,
    language: env.SEARCH_LANGUAGE,
    elasticsearch: {
      url: env.ELASTICSEARCH_URL,
      apiKey: env.ELASTICSEARCH_API_KEY,
      alias: `${env.ELASTICSEARCH_INDEX_PREFIX}-${nodeEnv}`,
    },
  }),
});

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly search: SearchConfig;
  }
}
