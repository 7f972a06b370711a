import { Module } from '@nestjs/common';
import { BackgroundTasks, RateLimiterModule, TwoLevelCacheModule } from '@groundwork/platform';
import { AccountDeletionParticipants } from './account/account-deletion.js';
import { AccountService } from './account/account.service.js';
import { LoginService } from './login/login.service.js';
import { IdentityMails } from './mail/identity-mails.js';
import { OidcAccountLinker } from './oidc/oidc-account-linker.js';
import { OidcLoginService } from './oidc/oidc-login.service.js';
import { OidcProviderRegistry } from './oidc/oidc-provider-registry.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { PasswordResetService } from './password-reset/password-reset.service.js';
import { PlatformAdmins } from './platform-admins/platform-admins.js';
import { RegistrationService } from './registration/registration.service.js';
import { CookieSessions } from './sessions/cookie-sessions.js';
import { SessionsService } from './sessions/sessions.service.js';
import { AccessTokens } from './tokens/access-tokens.js';
import { UsersService } from './users/users.service.js';
import { EmailVerificationService } from './verification/email-verification.service.js';

const SERVICES = [
  AccessTokens,
  AccountDeletionParticipants,
  AccountService,
  CookieSessions,
  EmailVerificationService,
  IdentityMails,
  LoginService,
  OidcAccountLinker,
  OidcLoginService,
  OidcProviderRegistry,
  PasswordHasher,
  PasswordResetService,
  PlatformAdmins,
  RegistrationService,
  SessionsService,
  UsersService,
];

/** The identity context: accounts and how they prove who they are. */
@Module({
  imports: [RateLimiterModule, TwoLevelCacheModule],
  // BackgroundTasks is the context's own: it waits for identity's unfinished work on shutdown.
  providers: [...SERVICES, BackgroundTasks],
  exports: [...SERVICES, BackgroundTasks],
})
export class IdentityModule {}
