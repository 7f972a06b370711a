import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { OutboundPolicy } from './outbound-policy.js';
import { SafeHttpClient } from './safe-http-client.js';

/** A `SafeHttpClient` under a policy the importing context reads from its configuration. */
@Module({})
export class OutboundHttpModule {
  static forPolicy(policyOf: (config: AppConfig) => OutboundPolicy): DynamicModule {
    return {
      module: OutboundHttpModule,
      providers: [
        {
          provide: SafeHttpClient,
          useFactory: (config: AppConfig) => new SafeHttpClient(policyOf(config)),
          inject: [AppConfig],
        },
      ],
      exports: [SafeHttpClient],
    };
  }
}
