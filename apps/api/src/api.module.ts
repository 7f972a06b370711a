import { type DynamicModule, Module, type ModuleMetadata, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import {
  type AppConfig,
  AuditModule,
  DatabaseModule,
  EventsModule,
  HealthModule,
  IdempotencyModule,
  LifecycleModule,
  LoggingModule,
  MetricsModule,
  PlatformConfigModule,
  ProblemDetailsFilter,
  RedisModule,
  requestValidationError,
} from '@groundwork/platform';
import { ApiKeysHttpModule } from './api-keys/api-keys-http.module.js';
import { AuditHttpModule } from './audit/audit-http.module.js';
import { AccessGuard } from './auth/access.guard.js';
import { AuthenticationGuard } from './auth/authentication.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { HealthController } from './health/health.controller.js';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor.js';
import { NegotiationModule } from './common/negotiation/negotiation.module.js';
import { NegotiationInterceptor } from './common/negotiation/negotiation.interceptor.js';
import { ProtobufBodyPipe } from './common/negotiation/protobuf-body.pipe.js';
import { MeModule } from './me/me.module.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RealtimeHttpModule } from './realtime/realtime-http.module.js';
import { TimeoutInterceptor } from './timeouts/timeout.interceptor.js';
import { WorkHttpModule } from './work/work-http.module.js';
import { WebhooksHttpModule } from './webhooks/webhooks-http.module.js';
import { WorkspacesHttpModule } from './workspaces/workspaces-http.module.js';

/** Options for embedding the api: extra feature modules (how the product is extended). */
export interface ApiModuleOptions {
  imports?: ModuleMetadata['imports'];
  /** The configuration the app was built with (default: loaded from the environment). */
  config?: AppConfig;
}

@Module({})
export class ApiModule {
  static register(options: ApiModuleOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        PlatformConfigModule.forRoot('api', options.config),
        LoggingModule,
        LifecycleModule,
        DatabaseModule,
        EventsModule,
        AuditModule,
        RedisModule,
        MetricsModule,
        HealthModule,
        IdempotencyModule,
        RateLimitModule,
        AuthModule,
        MeModule,
        NegotiationModule,
        ApiKeysHttpModule,
        AuditHttpModule,
        WorkspacesHttpModule,
        WorkHttpModule,
        WebhooksHttpModule,
        RealtimeHttpModule,
        ...(options.imports ?? []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // Global guards run in this order: who is calling → within their rate limit → may they.
        { provide: APP_GUARD, useExisting: AuthenticationGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useExisting: AccessGuard },
        // Pipes run in this order: a protobuf body is decoded, then validated like JSON.
        { provide: APP_PIPE, useExisting: ProtobufBodyPipe },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            forbidUnknownValues: true,
            transform: true,
            exceptionFactory: requestValidationError,
          }),
        },
        // First, so the budget wraps every other interceptor; `@Timeout(ms | false)` overrides it.
        { provide: APP_INTERCEPTOR, useClass: TimeoutInterceptor },
        // Acts only on `@Idempotent()` routes that receive an `Idempotency-Key`.
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_INTERCEPTOR, useExisting: NegotiationInterceptor },
      ],
    };
  }
}
