import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module.js';
import { IdempotencyStore } from './idempotency.store.js';

/** The idempotency-key store: used by the api's interceptor and by the worker's purge. */
@Module({
  imports: [CryptoModule],
  providers: [IdempotencyStore],
  exports: [IdempotencyStore],
})
export class IdempotencyModule {}
