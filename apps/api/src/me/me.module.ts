import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { MeController } from './me.controller.js';

@Module({
  imports: [IdentityModule],
  controllers: [MeController],
})
export class MeModule {}
