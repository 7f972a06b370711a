import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { SecretBox } from './secret-box.js';

/** One SecretBox under `ENCRYPTION_KEY` for every context that keeps secrets at rest. */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      useFactory: (config: AppConfig) => new SecretBox(config.secrets.encryptionKey),
      inject: [AppConfig],
    },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
