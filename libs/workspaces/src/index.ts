export * from './access/permissions.js';
export * from './access/workspace-access.js';
export * from './api-keys/api-key-authenticator.js';
export * from './api-keys/api-key-secret.js';
export * from './api-keys/api-keys.service.js';
export * from './workspaces.module.js';
