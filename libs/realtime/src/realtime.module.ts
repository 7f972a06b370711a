import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { WorkspacesModule } from '@groundwork/workspaces';
import { RealtimeHub } from './hub/realtime-hub.js';
import { WsTicketsService } from './tickets/ws-tickets.service.js';

/**
 * The real-time context for an api instance: the hub (one Redis subscription feeding the
 * instance's subscribers, who may see what, session re-checks, drain) and the WebSocket
 * ticket store. The framing — SSE responses, WebSocket upgrades and messages — is the api's.
 */
@Module({
  imports: [IdentityModule, WorkspacesModule],
  providers: [RealtimeHub, WsTicketsService],
  exports: [RealtimeHub, WsTicketsService],
})
export class RealtimeModule {}
