// The public surface of @groundwork/webhooks.
export * from './config/webhooks-config.js';
export * from './events/webhook-events.js';
export * from './events/webhook-queues.js';
export * from './deliveries/webhook-deliveries.service.js';
export * from './deliveries/webhook-delivery.runner.js';
export * from './endpoints/webhooks.service.js';
export * from './mail/webhook-mails.js';
export * from './signing/standard-webhooks.js';
export * from './signing/webhook-secret.js';
export * from './webhooks.module.js';
