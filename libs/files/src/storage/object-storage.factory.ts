import type { AppConfig } from '@groundwork/platform';
import type { ObjectStorage } from '../ports/object-storage.js';
import { LocalObjectStorage } from './local-object-storage.js';

/**
 * The adapter STORAGE_DRIVER names. The S3 adapter is imported only when chosen: the AWS SDK
 * costs each app ~9 MiB of memory it does not need with local storage.
 */
export async function createObjectStorage(settings: AppConfig['storage']): Promise<ObjectStorage> {
  switch (settings.driver) {
    case 'local':
      return new LocalObjectStorage(settings.dir);
    case 's3': {
      const { createS3Client, S3ObjectStorage } = await import('./s3-object-storage.js');
      return new S3ObjectStorage(createS3Client(settings.s3), settings.s3.bucket);
    }
    default: {
      const unreachable: never = settings.driver;
      throw new Error(`unknown storage driver ${String(unreachable)}`);
    }
  }
}
