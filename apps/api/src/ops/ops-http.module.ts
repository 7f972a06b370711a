import { Module } from '@nestjs/common';
import { HealthModule } from '@groundwork/platform';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

/** The operators' routes: Kubernetes probes and the Prometheus scrape, unversioned and never rate limited. */
@Module({ imports: [HealthModule], controllers: [HealthController, MetricsController] })
export class OpsHttpModule {}
