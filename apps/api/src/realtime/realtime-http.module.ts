import { Module } from '@nestjs/common';
import { RateLimiterModule } from '@groundwork/platform';
import { RealtimeModule } from '@groundwork/realtime';
import { AuthModule } from '../http/auth/auth.module.js';
import { EventsController } from './events.controller.js';
import { RealtimeSocketServer } from './realtime-socket.server.js';
import { UpgradeAuthenticator } from './upgrade-authenticator.js';
import { WsTicketController } from './ws-ticket.controller.js';

/**
 * The api's real-time edge: `GET /v1/workspaces/{id}/events` (SSE), `/v1/ws` (WebSocket) and
 * `POST /v1/ws/ticket` — the framing only; the hub fed by one Redis subscription per instance,
 * who may see what and the ticket store are the real-time context's (RealtimeModule).
 */
@Module({
  imports: [AuthModule, RealtimeModule, RateLimiterModule],
  controllers: [EventsController, WsTicketController],
  providers: [RealtimeSocketServer, UpgradeAuthenticator],
})
export class RealtimeHttpModule {}
