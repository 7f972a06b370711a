import type { AppConfig } from '@groundwork/platform';
import type { ObjectStorage } from '../ports/object-storage.js';
import { LocalObjectStorage } from './local-object-storage.js';
import { createS3Client, S3ObjectStorage } from './s3-object-storage.js';

/** The adapter STORAGE_DRIVER names. */
export function createObjectStorage(settings: AppConfig['storage']): ObjectStorage {
  switch (settings.driver) {
    case 'local':
      return new LocalObjectStorage(settings.dir);
    case 's3':
      return new S3ObjectStorage(createS3Client(settings.s3), settings.s3.bucket);
    default: {
      const unreachable: never = settings.driver;
      throw new Error(`unknown storage driver ${String(unreachable)}`);
    }
  }
}
