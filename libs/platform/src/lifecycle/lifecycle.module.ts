import { Global, Module } from '@nestjs/common';
import { HttpDrainService } from './http-drain.service.js';
import { LifecycleState } from './lifecycle.state.js';

@Global()
@Module({
  providers: [LifecycleState, HttpDrainService],
  exports: [LifecycleState, HttpDrainService],
})
export class LifecycleModule {}
