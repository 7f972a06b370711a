import { type DynamicModule, Module, type ModuleMetadata, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import {
  type AppConfig,
  DatabaseModule,
  EventsModule,
  HealthModule,
  LifecycleModule,
  LoggingModule,
  MetricsModule,
  PlatformConfigModule,
  ProblemDetailsFilter,
  RedisModule,
  requestValidationError,
} from '@groundwork/platform';
import { AuthModule } from './auth/auth.module.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';

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
        RedisModule,
        MetricsModule,
        HealthModule,
        RateLimitModule,
        AuthModule,
        ...(options.imports ?? []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // Global guards run in registration order: authentication, then this, then access.
        { provide: APP_GUARD, useClass: RateLimitGuard },
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
      ],
    };
  }
}
