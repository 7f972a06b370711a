import { Module } from '@nestjs/common';
import {
  DatabaseModule,
  HealthModule,
  LifecycleModule,
  LoggingModule,
  MetricsModule,
  PlatformConfigModule,
  QueueModule,
  RedisModule,
} from '@groundwork/platform';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { OpsHttpServer } from './ops/ops-http.server.js';

@Module({
  imports: [
    PlatformConfigModule.forRoot('worker'),
    LoggingModule,
    LifecycleModule,
    DatabaseModule,
    RedisModule,
    MetricsModule,
    HealthModule,
    QueueModule.forRoot(),
    MaintenanceModule,
  ],
  providers: [OpsHttpServer],
})
export class WorkerModule {}
