import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { AppConfig } from '@groundwork/platform';
import { AuthModule } from '../http/auth/auth.module.js';
import { JwksController } from './jwks.controller.js';
import { LoginController } from './login.controller.js';
import { MeController } from './me.controller.js';
import { OidcController } from './oidc.controller.js';
import { OidcStateCookie } from './oidc-state-cookie.js';
import { RegistrationController } from './registration.controller.js';
import { SessionResponder } from './session-responder.js';

/** The HTTP edge of the identity context: sign-up, login (password and OpenID), the JWKS, the caller's account. */
@Module({
  imports: [IdentityModule, AuthModule],
  controllers: [RegistrationController, LoginController, OidcController, JwksController, MeController],
  providers: [
    SessionResponder,
    { provide: OidcStateCookie, useFactory: (config: AppConfig) => new OidcStateCookie(config), inject: [AppConfig] },
  ],
})
export class IdentityHttpModule {}
