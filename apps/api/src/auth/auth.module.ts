import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { RegistrationController } from './registration.controller.js';

@Module({
  imports: [IdentityModule],
  controllers: [RegistrationController],
})
export class AuthModule {}
