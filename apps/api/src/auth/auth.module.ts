import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { AppConfig, TwoLevelCacheModule } from '@groundwork/platform';
import { WorkspacesModule } from '@groundwork/workspaces';
import { AccessGuard } from './access.guard.js';
import { AuthenticationGuard } from './authentication.guard.js';
import { BearerTokenVerifier } from './bearer-token.verifier.js';
import { JwksController } from './jwks.controller.js';
import { LoginController } from './login.controller.js';
import { OidcController } from './oidc.controller.js';
import { OidcStateCookie } from './oidc-state-cookie.js';
import { RegistrationController } from './registration.controller.js';
import { SessionCookie } from './session-cookie.js';
import { SessionResponder } from './session-responder.js';

/** Who the caller is (authentication) and what they may do (access), plus the auth routes. */
@Module({
  imports: [IdentityModule, WorkspacesModule, TwoLevelCacheModule],
  controllers: [RegistrationController, LoginController, OidcController, JwksController],
  providers: [
    AccessGuard,
    AuthenticationGuard,
    BearerTokenVerifier,
    SessionResponder,
    { provide: SessionCookie, useFactory: (config: AppConfig) => new SessionCookie(config), inject: [AppConfig] },
    { provide: OidcStateCookie, useFactory: (config: AppConfig) => new OidcStateCookie(config), inject: [AppConfig] },
  ],
  exports: [AccessGuard, AuthenticationGuard, SessionResponder, SessionCookie, IdentityModule, WorkspacesModule],
})
export class AuthModule {}
