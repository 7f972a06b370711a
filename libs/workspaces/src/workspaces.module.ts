import { Module } from '@nestjs/common';
import { WorkspaceAccess } from './access/workspace-access.js';
import { ApiKeyAuthenticator } from './api-keys/api-key-authenticator.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';

const SERVICES = [WorkspaceAccess, ApiKeyAuthenticator, ApiKeysService];

/** The workspaces context: workspaces, memberships and roles, invitations, API keys. */
@Module({
  providers: SERVICES,
  exports: SERVICES,
})
export class WorkspacesModule {}
