export * from './comments/comments.service.js';
export * from './projects/projects.service.js';
export * from './shared/markdown.js';
export * from './tasks/task-workflow.js';
export * from './tasks/tasks-cache.js';
export * from './tasks/tasks.service.js';
export * from './work.module.js';
