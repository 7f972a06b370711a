import { IsIn } from 'class-validator';
import { defineConfig } from '@groundwork/platform';

/** The search engines this build has (the Elasticsearch adapter is not built yet). */
export const SEARCH_DRIVERS = ['postgres'] as const;
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
  /** The search engine: PostgreSQL full-text search (nothing to install). */
  @IsIn(SEARCH_DRIVERS)
  SEARCH_DRIVER: SearchDriver = 'postgres';

  /** The language of stemming; changing it takes effect with `npm run search:reindex`. */
  @IsIn(SEARCH_LANGUAGES)
  SEARCH_LANGUAGE: SearchLanguage = 'english';
}

export interface SearchConfig {
  driver: SearchDriver;
  language: SearchLanguage;
}

/** `config.search` (registered when the library loads). */
export const SEARCH_CONFIG = defineConfig({
  key: 'search',
  environment: SearchEnvironment,
  build: (env): SearchConfig => ({ driver: env.SEARCH_DRIVER, language: env.SEARCH_LANGUAGE }),
});

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly search: SearchConfig;
  }
}
