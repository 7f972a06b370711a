import { Module } from '@nestjs/common';
import {
  DatabaseModule,
  AuditModule,
  EventsModule,
  HealthModule,
  LifecycleModule,
  LoggingModule,
  MetricsModule,
  PlatformConfigModule,
  RedisModule,
} from '@groundwork/platform';
import { OutboxRelayModule, QueueModule } from '@groundwork/platform/queue';
import './contexts.js';
import { EmailModule } from './email/email.module.js';
import { FilesWorkerModule } from './files/files-worker.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { OpsHttpServer } from './ops/ops-http.server.js';
import { QueueDashboard } from './ops/queue-dashboard.js';
import { WorkerMetrics } from './ops/worker-metrics.js';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module.js';
import { RealtimeWorkerModule } from './realtime/realtime-worker.module.js';

@Module({
  imports: [
    PlatformConfigModule.forRoot('worker'),
    LoggingModule,
    LifecycleModule,
    DatabaseModule,
    EventsModule,
    AuditModule,
    RedisModule,
    MetricsModule,
    HealthModule,
    QueueModule.forRoot(),
    OutboxRelayModule.forRoot(),
    EmailModule,
    MaintenanceModule,
    WebhooksWorkerModule,
    RealtimeWorkerModule,
    FilesWorkerModule,
  ],
  providers: [OpsHttpServer, QueueDashboard, WorkerMetrics],
})
export class WorkerModule {}
