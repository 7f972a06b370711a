import { Module } from '@nestjs/common';
import { OidcAccountLinker } from './oidc/oidc-account-linker.js';
import { OidcLoginService } from './oidc/oidc-login.service.js';
import { OidcProviderRegistry } from './oidc/oidc-provider-registry.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { RegistrationService } from './registration/registration.service.js';
import { UsersService } from './users/users.service.js';
import { EmailVerificationService } from './verification/email-verification.service.js';

/** The identity context: accounts and how they prove who they are. */
@Module({
  providers: [
    PasswordHasher,
    RegistrationService,
    EmailVerificationService,
    UsersService,
    OidcProviderRegistry,
    OidcAccountLinker,
    OidcLoginService,
  ],
  exports: [
    RegistrationService,
    EmailVerificationService,
    UsersService,
    PasswordHasher,
    OidcProviderRegistry,
    OidcAccountLinker,
    OidcLoginService,
  ],
})
export class IdentityModule {}
