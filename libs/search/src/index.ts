// The public surface of @groundwork/search.
export * from './config/search-config.js';
export * from './ports/search-engine.js';
export * from './postgres/postgres-search.engine.js';
export * from './query/search-text.js';
export * from './query/snippet.js';
export * from './search.module.js';
export * from './search.service.js';
export * from './reindex/search-reindexer.js';
