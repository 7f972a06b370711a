import { Module } from '@nestjs/common';
import { AuthModule } from '../http/auth/auth.module.js';
import { EventsController } from './events.controller.js';
import { RealtimeHub } from './realtime-hub.js';
import { RealtimeSocketServer } from './realtime-socket.server.js';
import { UpgradeAuthenticator } from './upgrade-authenticator.js';
import { WsTicketController } from './ws-ticket.controller.js';
import { WsTicketsService } from './ws-tickets.service.js';

/**
 * The api's real-time edge: `GET /v1/workspaces/{id}/events` (SSE), `/v1/ws` (WebSocket) and
 * `POST /v1/ws/ticket`, fed by one Redis subscription per instance (RealtimeHub).
 */
@Module({
  imports: [AuthModule],
  controllers: [EventsController, WsTicketController],
  providers: [RealtimeHub, RealtimeSocketServer, UpgradeAuthenticator, WsTicketsService],
})
export class RealtimeHttpModule {}
