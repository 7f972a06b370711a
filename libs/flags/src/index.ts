// The public surface of @groundwork/flags.
export * from './config/flags-config.js';
export * from './admin/flags-admin.service.js';
export * from './definitions/built-in-flags.js';
export * from './definitions/flag-definition.js';
export * from './definitions/flag-validation.js';
export * from './evaluation/evaluate-flag.js';
export * from './evaluation/feature-disabled.error.js';
export * from './evaluation/feature-flags.js';
export * from './evaluation/flag-evaluation-hook.js';
export * from './evaluation/groundwork-flag-provider.js';
export * from './flags.module.js';
export * from './store/flag-catalogue.js';
export * from './store/flag-repository.js';
