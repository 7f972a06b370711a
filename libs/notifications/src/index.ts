export * from './mailer/mailer.service.js';
export * from './mailer/event-mails.js';
export * from './notifications.module.js';
export * from './templates/template-catalogue.js';
export * from './templates/template-renderer.js';
export * from './transport/file-mail.transport.js';
export * from './transport/mail-transport.js';
export * from './transport/smtp-mail.transport.js';
