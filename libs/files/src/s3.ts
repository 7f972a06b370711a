// @groundwork/files/s3: the S3 adapter on its own entry, so importing the files context does
// not load the AWS SDK (createObjectStorage imports it only when STORAGE_DRIVER is s3).
export * from './storage/s3-object-storage.js';
