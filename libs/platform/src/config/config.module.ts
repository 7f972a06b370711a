import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { AppConfig, type ServiceName } from './app-config.js';
import { loadAppConfig } from './load-app-config.js';

/**
 * Global configuration: the validated environment as one typed `AppConfig`, injected by
 * class. Nothing else in the code base reads process.env.
 */
@Module({})
export class PlatformConfigModule {
  static forRoot(service: ServiceName): DynamicModule {
    const appConfig = registerAs('app', () => loadAppConfig(service));
    return {
      module: PlatformConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [appConfig] })],
      providers: [
        {
          provide: AppConfig,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => config.getOrThrow<AppConfig>('app'),
        },
      ],
      exports: [AppConfig],
    };
  }
}
