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
  /** `config`: an already loaded configuration (embedding, tests); default: the environment. */
  static forRoot(service: ServiceName, config?: AppConfig): DynamicModule {
    const appConfig = registerAs('app', () => config ?? loadAppConfig(service));
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
