export * from './projects/projects.service.js';
export * from './shared/markdown.js';
export * from './work.module.js';
