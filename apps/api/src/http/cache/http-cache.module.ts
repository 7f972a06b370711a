import { Module } from '@nestjs/common';
import { TwoLevelCacheModule } from '@groundwork/platform';
import { RequestCacheVersions } from './request-cache-versions.js';

/** Cached reads at the edge: the process's cache and the per-request loader of its versions. */
@Module({
  imports: [TwoLevelCacheModule],
  providers: [RequestCacheVersions],
  exports: [RequestCacheVersions, TwoLevelCacheModule],
})
export class HttpCacheModule {}
