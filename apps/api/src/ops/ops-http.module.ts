import { Module } from '@nestjs/common';
import { HealthModule } from '@groundwork/platform';
import { HealthController } from './health.controller.js';
import { MetricsHttpServer } from './metrics-http.server.js';

/**
 * The operators' surface: Kubernetes probes (unversioned, never rate limited, on PORT) and
 * the Prometheus scrape on its own port (METRICS_PORT).
 */
@Module({ imports: [HealthModule], controllers: [HealthController], providers: [MetricsHttpServer] })
export class OpsHttpModule {}
