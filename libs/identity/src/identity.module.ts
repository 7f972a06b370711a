import { Module } from '@nestjs/common';
import { PasswordHasher } from './passwords/password-hasher.js';
import { RegistrationService } from './registration/registration.service.js';
import { UsersService } from './users/users.service.js';
import { EmailVerificationService } from './verification/email-verification.service.js';

/** The identity context: accounts and how they prove who they are. */
@Module({
  providers: [PasswordHasher, RegistrationService, EmailVerificationService, UsersService],
  exports: [RegistrationService, EmailVerificationService, UsersService, PasswordHasher],
})
export class IdentityModule {}
