import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { AppConfig } from '@groundwork/platform';
import { WorkspacesModule } from '@groundwork/workspaces';
import { HttpCacheModule } from '../cache/http-cache.module.js';
import { AccessGuard } from './access.guard.js';
import { AuthenticationGuard } from './authentication.guard.js';
import { BearerTokenVerifier } from './bearer-token.verifier.js';
import { SessionCookie } from './session-cookie.js';

/** Who the caller is (authentication) and what they may do (access): the first and last guards. */
@Module({
  imports: [IdentityModule, WorkspacesModule, HttpCacheModule],
  providers: [
    AccessGuard,
    AuthenticationGuard,
    BearerTokenVerifier,
    { provide: SessionCookie, useFactory: (config: AppConfig) => new SessionCookie(config), inject: [AppConfig] },
  ],
  exports: [AccessGuard, AuthenticationGuard, SessionCookie, IdentityModule, WorkspacesModule],
})
export class AuthModule {}
