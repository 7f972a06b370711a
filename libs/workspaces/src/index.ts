export * from './access/permissions.js';
