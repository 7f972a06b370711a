// The public surface of @groundwork/search.
export * from './ports/search-engine.js';
export * from './postgres/postgres-search.engine.js';
export * from './elasticsearch/elasticsearch-connection.js';
export * from './elasticsearch/elasticsearch-indexer.js';
export * from './elasticsearch/elasticsearch-indexes.js';
export * from './elasticsearch/elasticsearch-reindexer.js';
export * from './elasticsearch/elasticsearch-search.engine.js';
export * from './elasticsearch/index-definition.js';
export * from './elasticsearch/search-documents.js';
export * from './elasticsearch/search-request.js';
export * from './events/search-index-events.js';
export * from './query/search-text.js';
export * from './query/snippet.js';
export * from './search.module.js';
export * from './search-indexing.js';
export * from './search.service.js';
export * from './reindex/search-reindexer.js';
