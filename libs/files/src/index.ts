// The public surface of @groundwork/files.
export * from './config/files-config.js';
export * from './attachments/attachment-view.js';
export * from './attachments/attachments.service.js';
export * from './attachments/stored-objects.js';
export * from './events/files-events.js';
export * from './events/files-queues.js';
export * from './files.module.js';
export * from './ports/object-storage.js';
export * from './storage/local-object-storage.js';
export * from './storage/object-key.js';
export * from './storage/object-storage.factory.js';
export * from './storage/s3-object-storage.js';
export * from './storage/storage-errors.js';
export * from './uploads/content-type-check.js';
export * from './uploads/filename.js';
export * from './uploads/uploaded-file.js';
