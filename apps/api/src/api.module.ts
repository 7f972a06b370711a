import { type DynamicModule, Module, type ModuleMetadata, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import {
  type AppConfig,
  AuditModule,
  DatabaseModule,
  EventsModule,
  IdempotencyModule,
  LifecycleModule,
  LoggingModule,
  MetricsModule,
  PlatformConfigModule,
  ProblemDetailsFilter,
  RedisModule,
  requestValidationError,
} from '@groundwork/platform';
import './contexts.js';
import { AccessGuard } from './http/auth/access.guard.js';
import { AuthenticationGuard } from './http/auth/authentication.guard.js';
import { AuthModule } from './http/auth/auth.module.js';
import { IdempotencyInterceptor } from './http/idempotency/idempotency.interceptor.js';
import { NegotiationInterceptor } from './http/negotiation/negotiation.interceptor.js';
import { NegotiationModule } from './http/negotiation/negotiation.module.js';
import { ProtobufBodyPipe } from './http/negotiation/protobuf-body.pipe.js';
import { RateLimitGuard } from './http/rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './http/rate-limit/rate-limit.module.js';
import { TimeoutInterceptor } from './http/timeouts/timeout.interceptor.js';
import { RouteInterceptors, type RouteScopedInterceptor } from './http/route-interceptors.js';
import { FilesHttpModule } from './files/files-http.module.js';
import { FlagsHttpModule } from './flags/flags-http.module.js';
import { IdentityHttpModule } from './identity/identity-http.module.js';
import { OpsHttpModule } from './ops/ops-http.module.js';
import { RealtimeHttpModule } from './realtime/realtime-http.module.js';
import { SearchHttpModule } from './search/search-http.module.js';
import { WebhooksHttpModule } from './webhooks/webhooks-http.module.js';
import { WorkHttpModule } from './work/work-http.module.js';
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
        IdempotencyModule,
        RateLimitModule,
        AuthModule,
        // The modules with routes: the order here is the order of the paths in the OpenAPI document.
        OpsHttpModule,
        IdentityHttpModule,
        NegotiationModule,
        WorkspacesHttpModule,
        WorkHttpModule,
        FilesHttpModule,
        WebhooksHttpModule,
        SearchHttpModule,
        RealtimeHttpModule,
        FlagsHttpModule,
        ...(options.imports ?? []),
      ],
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
        TimeoutInterceptor,
        IdempotencyInterceptor,
        {
          provide: APP_INTERCEPTOR,
          inject: [TimeoutInterceptor, IdempotencyInterceptor, NegotiationInterceptor],
          // In this order. The time budget first, so it wraps the others (`@Timeout(ms | false)`
          // overrides it); idempotency acts only on `@Idempotent()` routes that receive an
          // `Idempotency-Key`; negotiation only on `@Negotiated()` ones.
          useFactory: (...interceptors: RouteScopedInterceptor[]) => new RouteInterceptors(interceptors),
        },
      ],
    };
  }
}
