import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { SafeHttpClient } from './safe-http-client.js';

/** A `SafeHttpClient` under the webhook policy of the configuration (`WEBHOOK_ALLOW_*`). */
@Module({
  providers: [
    {
      provide: SafeHttpClient,
      useFactory: (config: AppConfig) =>
        new SafeHttpClient({
          allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
          allowHttp: config.webhooks.allowHttp,
          allowedPorts: config.webhooks.allowedPorts,
        }),
      inject: [AppConfig],
    },
  ],
  exports: [SafeHttpClient],
})
export class OutboundHttpModule {}
