import { Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WsTicketsService } from '@groundwork/realtime';
import { Authenticated } from '../http/auth/access-rules.js';
import { CurrentUser } from '../http/auth/caller.decorators.js';
import type { UserPrincipal } from '../http/auth/principal.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import type { HeaderSettable } from '../http/header-settable.js';
import { WsTicketDto } from './ws-ticket.dto.js';

/** `POST /v1/ws/ticket`: a credential for the WebSocket upgrade that a browser can put in the URL. */
@ApiTags('realtime')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'ws/ticket', version: '1' })
@Authenticated()
export class WsTicketController {
  constructor(private readonly tickets: WsTicketsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createWsTicket',
    summary: 'A single-use, short-lived ticket for `/v1/ws?ticket=…`, bound to the caller’s session.',
  })
  @ApiCreatedResponse({
    type: WsTicketDto,
    description:
      'Open `/v1/ws?ticket=<ticket>` (RFC 6455; or send `Sec-WebSocket-Protocol: bearer, <access token>` instead). ' +
      'Client messages: {type: subscribe|unsubscribe, workspaceId, projectId?}; server messages: subscribed, unsubscribed, ' +
      '{type: event, event: {id, type, workspaceId, occurredAt, data}}, {type: error, code, message}.',
  })
  @ApiProblemResponses(401, 403, 429)
  async create(
    @CurrentUser() user: UserPrincipal,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<WsTicketDto> {
    const ticket = await this.tickets.issue(user);
    // A credential: no cache may keep it.
    response.setHeader('Cache-Control', 'no-store');
    return { ticket, expiresIn: this.tickets.ttlSeconds };
  }
}
