import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Headers, Param, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { AppConfig, DomainError } from '@groundwork/platform';
import { RealtimeHub } from '@groundwork/realtime';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Caller } from '../http/auth/caller.decorators.js';
import type { Principal } from '../http/auth/principal.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { ProblemDetailsDto } from '../http/problem-details.dto.js';
import { Timeout } from '../http/timeouts/timeout.decorator.js';
import { SseStream } from './sse-stream.js';

export const EVENT_STREAM = 'text/event-stream';

/** Whether `Accept` names `text/event-stream` (q > 0): a stream is never sent to a client that did not ask for one. */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [range = '', ...params] = part.trim().split(';');
    if (range.trim().toLowerCase() !== EVENT_STREAM) return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** The answer (429) to a stream or upgrade over the principal's connection cap. */
export function tooManyConnections(max: number): DomainError {
  return new DomainError(
    'rate_limited',
    `At most ${max} real-time connections (SSE and WebSocket together) per user or API key; close one first.`,
    { retryAfterSeconds: 5 },
  );
}

/** `GET /v1/workspaces/{workspaceId}/events`: the workspace's public events as Server-Sent Events. */
@ApiTags('events')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/events', version: '1' })
export class EventsController {
  constructor(
    private readonly hub: RealtimeHub,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @RequirePermission('events:read')
  // A stream stays open: no request budget.
  @Timeout(false)
  @ApiOperation({
    operationId: 'streamWorkspaceEvents',
    summary:
      'The workspace’s events as Server-Sent Events (`Accept: text/event-stream`): `id` = event id, `event` = type, ' +
      '`data` = {id, type, workspaceId, occurredAt, data}; heartbeat comments; a `retry` hint. With `Last-Event-ID` ' +
      'the missed events are replayed first, or `event: resync` says they are no longer known.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received: resume after it.',
  })
  @ApiProduces(EVENT_STREAM)
  @ApiOkResponse({
    description: 'An endless `text/event-stream`, ended by the server on shutdown or when access ends.',
    content: { [EVENT_STREAM]: { schema: { type: 'string' } } },
  })
  @ApiProblemResponses(401, 403, 404, 429)
  @ApiResponse({
    status: 406,
    description: 'The request does not accept text/event-stream',
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsDto) } } },
  })
  async stream(
    @Param('workspaceId') workspaceId: string,
    @Headers('accept') accept: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Caller() caller: Principal,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    if (!acceptsEventStream(accept)) {
      throw new DomainError('not_acceptable', `This resource is available as ${EVENT_STREAM}.`, {
        extensions: { available: [EVENT_STREAM] },
      });
    }
    if (this.hub.isDraining) throw new DomainError('unavailable', 'The instance is shutting down.');
    const release = await this.hub.reserveConnection(caller);
    if (!release) throw tooManyConnections(this.config.realtime.maxConnectionsPerPrincipal);
    const resumeAfter = lastEventId?.trim();
    const stream = new SseStream(this.hub, request, response, {
      workspaceId,
      principal: caller,
      lastEventId: resumeAfter === '' ? undefined : resumeAfter,
      retryMs: this.config.realtime.retryMs,
      maxBufferedBytes: this.config.realtime.maxBufferedBytes,
      release,
    });
    await stream.open();
  }
}
