import type { estypes } from '@elastic/elasticsearch';
import { SEARCH_LANGUAGES, type SearchLanguage } from '../config/search-config.js';

/**
 * SEARCH_LANGUAGE's values Elasticsearch's `stemmer` token filter knows: all but `simple` and
 * Nepali, Tamil and Yiddish, which have no Elasticsearch stemmer — with them words are not stemmed.
 */
const UNSTEMMED: readonly SearchLanguage[] = ['simple', 'nepali', 'tamil', 'yiddish'];
const ES_STEMMERS: ReadonlySet<SearchLanguage> = new Set(SEARCH_LANGUAGES.filter((l) => !UNSTEMMED.includes(l)));

/**
 * The languages whose PostgreSQL Snowball dictionary drops stop words (its `.stop` file), with
 * Elasticsearch's predefined list of the same language: the same words are dropped on both.
 */
const STOP_WORDS: ReadonlyMap<SearchLanguage, estypes.AnalysisStopWordLanguage> = new Map([
  ['danish', '_danish_'],
  ['dutch', '_dutch_'],
  ['english', '_english_'],
  ['finnish', '_finnish_'],
  ['french', '_french_'],
  ['german', '_german_'],
  ['hungarian', '_hungarian_'],
  ['italian', '_italian_'],
  ['norwegian', '_norwegian_'],
  ['portuguese', '_portuguese_'],
  ['russian', '_russian_'],
  ['spanish', '_spanish_'],
  ['swedish', '_swedish_'],
  ['turkish', '_turkish_'],
]);

/** The longest prefix of a (stemmed) word matched as typed; longer prefixes match as whole words only. */
export const MAX_PREFIX_LENGTH = 20;

/** The searchable text fields and their weights, as PostgreSQL's A/B/C/D weights rank them. */
export const FIELD_BOOSTS = { title: 10, labels: 4, key: 4, description: 2, body: 1 } as const;
export type TextField = keyof typeof FIELD_BOOSTS;
export const TEXT_FIELDS = Object.keys(FIELD_BOOSTS) as TextField[];

/**
 * Index settings and mappings. `groundwork_text` mirrors PostgreSQL's `groundwork_search`
 * configuration: lower case, accents folded (asciifolding ≈ unaccent), the language's stop
 * words, its stemmer. Each text field has a `.prefix` sub-field indexed with the edge n-grams
 * of those stemmed words, searched with `groundwork_text`: the last word of a query matches as
 * a prefix of a stem, as `word:*` does on PostgreSQL. Every document carries what results show
 * (`task_title`) and the filters (`workspace_id`, `project_id`, `live`), so a query reads
 * nothing else.
 */
export function indexDefinition(language: SearchLanguage): {
  settings: estypes.IndicesIndexSettings;
  mappings: estypes.MappingTypeMapping;
} {
  const stopWords = STOP_WORDS.get(language);
  const languageFilters = [
    ...(stopWords === undefined ? [] : ['groundwork_stop']),
    ...(ES_STEMMERS.has(language) ? ['groundwork_stemmer'] : []),
  ];
  const filter: Record<string, estypes.AnalysisTokenFilter> = {
    groundwork_prefix: { type: 'edge_ngram', min_gram: 1, max_gram: MAX_PREFIX_LENGTH },
  };
  if (stopWords !== undefined) filter.groundwork_stop = { type: 'stop', stopwords: stopWords };
  if (ES_STEMMERS.has(language)) filter.groundwork_stemmer = { type: 'stemmer', language };
  const text = (): estypes.MappingProperty => ({
    type: 'text',
    analyzer: 'groundwork_text',
    fields: { prefix: { type: 'text', analyzer: 'groundwork_prefix', search_analyzer: 'groundwork_text' } },
  });
  const keyword = (): estypes.MappingProperty => ({ type: 'keyword' });
  return {
    settings: {
      // Searchable within a second of being written (the contract allows two).
      refresh_interval: '1s',
      analysis: {
        filter,
        analyzer: {
          groundwork_text: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['lowercase', 'asciifolding', ...languageFilters],
          },
          groundwork_prefix: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['lowercase', 'asciifolding', ...languageFilters, 'groundwork_prefix'],
          },
        },
      },
    },
    mappings: {
      dynamic: 'strict',
      properties: {
        type: keyword(),
        id: keyword(),
        workspace_id: keyword(),
        project_id: keyword(),
        task_id: keyword(),
        live: { type: 'boolean' },
        updated_at: { type: 'date' },
        task_title: { type: 'keyword', index: false, doc_values: false },
        title: text(),
        labels: text(),
        key: text(),
        description: text(),
        body: text(),
      },
    },
  };
}

/** The alias the indexer also writes to while a reindex fills the next index (searches never read it). */
export function buildingAlias(alias: string): string {
  return `${alias}-building`;
}

/** A new index's name: the alias and the time, e.g. `groundwork-production-20261207t181500123z`. */
export function newIndexName(alias: string, now: Date): string {
  return `${alias}-${now.toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
}
