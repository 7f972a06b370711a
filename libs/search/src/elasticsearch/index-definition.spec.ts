import { describe, expect, it } from '@jest/globals';
import { buildingAlias, indexDefinition, newIndexName } from './index-definition.js';

describe('the Elasticsearch index definition', () => {
  it('analyses text as PostgreSQL’s groundwork_search does: lower case, accents folded, stop words, the stemmer; edge n-grams for prefixes', () => {
    const text = {
      type: 'text',
      analyzer: 'groundwork_text',
      fields: { prefix: { type: 'text', analyzer: 'groundwork_prefix', search_analyzer: 'groundwork_text' } },
    };
    expect(indexDefinition('english')).toEqual({
      settings: {
        refresh_interval: '1s',
        analysis: {
          filter: {
            groundwork_prefix: { type: 'edge_ngram', min_gram: 1, max_gram: 20 },
            groundwork_stop: { type: 'stop', stopwords: '_english_' },
            groundwork_stemmer: { type: 'stemmer', language: 'english' },
          },
          analyzer: {
            groundwork_text: {
              type: 'custom',
              tokenizer: 'standard',
              filter: ['lowercase', 'asciifolding', 'groundwork_stop', 'groundwork_stemmer'],
            },
            groundwork_prefix: {
              type: 'custom',
              tokenizer: 'standard',
              filter: ['lowercase', 'asciifolding', 'groundwork_stop', 'groundwork_stemmer', 'groundwork_prefix'],
            },
          },
        },
      },
      mappings: {
        dynamic: 'strict',
        properties: {
          type: { type: 'keyword' },
          id: { type: 'keyword' },
          workspace_id: { type: 'keyword' },
          project_id: { type: 'keyword' },
          task_id: { type: 'keyword' },
          live: { type: 'boolean' },
          updated_at: { type: 'date' },
          task_title: { type: 'keyword', index: false, doc_values: false },
          title: text,
          labels: text,
          key: text,
          description: text,
          body: text,
        },
      },
    });
  });

  it('stems nothing with `simple`, and only what Elasticsearch has a stemmer for', () => {
    const filters = (language: Parameters<typeof indexDefinition>[0]) =>
      (indexDefinition(language).settings.analysis?.analyzer?.groundwork_text as { filter: string[] }).filter;
    expect(filters('simple')).toEqual(['lowercase', 'asciifolding']);
    expect(filters('nepali')).toEqual(['lowercase', 'asciifolding']);
    expect(filters('greek')).toEqual(['lowercase', 'asciifolding', 'groundwork_stemmer']);
    expect(filters('german')).toEqual(['lowercase', 'asciifolding', 'groundwork_stop', 'groundwork_stemmer']);
  });

  it('names indices after the alias and the time, and the building alias after the alias', () => {
    expect(newIndexName('groundwork-production', new Date('2026-12-07T18:15:00.123Z'))).toBe(
      'groundwork-production-20261207t181500123z',
    );
    expect(buildingAlias('groundwork-production')).toBe('groundwork-production-building');
  });
});
