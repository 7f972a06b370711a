import { Injectable } from '@nestjs/common';
import { type DependencyProbe, ReadinessProbe } from '@groundwork/platform';
import { ObjectStorage } from '../ports/object-storage.js';

/** Object storage in `/health/ready` as `storage`: down degrades the instance, never unreadies it. */
@Injectable()
@ReadinessProbe()
export class StorageProbe implements DependencyProbe {
  readonly dependency = 'storage';

  constructor(private readonly storage: ObjectStorage) {}

  check(signal: AbortSignal): Promise<void> {
    return this.storage.check(signal);
  }
}
