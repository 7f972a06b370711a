import { Test, type TestingModule } from '@nestjs/testing';
import type { ModuleMetadata } from '@nestjs/common';
import { AuditModule, DatabaseModule, MetricsModule, PlatformConfigModule, RedisModule } from '@groundwork/platform';

/** A Nest testing module with the real platform (config from the run's env, PG, Redis). */
export async function platformTestingModule(metadata: ModuleMetadata = {}): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [
      PlatformConfigModule.forRoot('api'),
      DatabaseModule,
      RedisModule,
      MetricsModule,
      AuditModule,
      ...(metadata.imports ?? []),
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}
