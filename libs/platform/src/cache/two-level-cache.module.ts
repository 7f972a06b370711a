import { Module } from '@nestjs/common';
import { TwoLevelCache } from './two-level-cache.js';

/**
 * The process's one `TwoLevelCache` (its L1 and stampede guard are per process). Imported by
 * the contexts that invalidate and by the api that reads; Nest shares the instance. Needs the
 * global Redis and metrics modules.
 */
@Module({
  providers: [TwoLevelCache],
  exports: [TwoLevelCache],
})
export class TwoLevelCacheModule {}
