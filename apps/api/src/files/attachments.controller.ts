import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AttachmentsService } from '@groundwork/files';
import { AppConfig, DomainError, type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../http/page-query.dto.js';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../http/auth/caller.decorators.js';
import { Idempotent } from '../http/idempotency/idempotent.decorator.js';
import type { HeaderSettable } from '../http/header-settable.js';
import { Timeout } from '../http/timeouts/timeout.decorator.js';
import { ifNoneMatchHits, planRange } from './byte-range.js';
import { attachmentDisposition } from './content-disposition.js';
import { AttachmentDto, AttachmentPageDto } from './attachments.dto.js';
import { MultipartFileReader } from './multipart-file.reader.js';
import { UploadIdentity } from './upload-identity.js';

const BINARY = { schema: { type: 'string', format: 'binary' } } as const;

@ApiTags('attachments')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/tasks/:taskId/attachments', version: '1' })
export class AttachmentsController {
  constructor(
    private readonly attachments: AttachmentsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  // Streams take as long as the client's link needs; the body is bounded by ATTACHMENT_MAX_BYTES.
  @Timeout(false)
  @RequirePermission('attachments:write')
  // The same bytes under the same filename with the same key: the first answer, replayed.
  @Idempotent({ streamedBody: UploadIdentity })
  @ApiOperation({
    operationId: 'uploadAttachment',
    summary: 'Attach a file to a task (multipart/form-data, one part named `file`).',
    description:
      'The body is streamed to storage. Over ATTACHMENT_MAX_BYTES → 413 and nothing is stored. ' +
      'A declared type the bytes contradict → 415 (text types must be UTF-8 without NUL). ' +
      'A part other than `file`, or two files → 422. Over the workspace quota → 409 ' +
      '`storage-quota-exceeded`. The `attachments` flag off → 403 `feature-disabled` (reads keep working). ' +
      'Storage unreachable → 503 with Retry-After.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description: 'The file; its part’s Content-Type is checked against its bytes.',
        },
      },
    },
  })
  @ApiCreatedResponse({ type: AttachmentDto, description: 'Stored; `Location` names the attachment.' })
  @ApiProblemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
  async upload(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Actor() actor: WorkspaceActor,
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<AttachmentDto> {
    const reader = new MultipartFileReader(request, this.config.storage.attachmentMaxBytes);
    try {
      const attachment = await this.attachments.upload(workspaceId, taskId, actor, () => reader.read());
      response.setHeader(
        'Location',
        `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/tasks/${taskId}/attachments/${attachment.id}`,
      );
      return AttachmentDto.from(attachment);
    } catch (error) {
      throw reader.explain(error);
    }
  }

  @Get()
  @Paginated()
  @RequirePermission('attachments:read')
  @ApiOperation({ operationId: 'listAttachments', summary: 'A task’s attachments, oldest first.' })
  @ApiOkResponse({ type: AttachmentPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<AttachmentDto>> {
    const page = await this.attachments.list(workspaceId, taskId, query.limit, query.cursor);
    return { data: page.data.map(AttachmentDto.from), page: page.page };
  }

  @Get(':attachmentId')
  @RequirePermission('attachments:read')
  @ApiOperation({ operationId: 'getAttachment', summary: 'An attachment’s metadata.' })
  @ApiOkResponse({ type: AttachmentDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Param('attachmentId') attachmentId: string,
  ): Promise<AttachmentDto> {
    return AttachmentDto.from(await this.attachments.get(workspaceId, taskId, attachmentId));
  }

  @Get(':attachmentId/content')
  @Timeout(false)
  @RequirePermission('attachments:read')
  @ApiOperation({
    operationId: 'downloadAttachment',
    summary: 'An attachment’s bytes, streamed; one `Range` (206), `If-None-Match` (304).',
  })
  @ApiProduces('application/octet-stream')
  @ApiHeader({ name: 'Range', required: false, description: '`bytes=a-b`, `bytes=a-` or `bytes=-n`: one range.' })
  @ApiHeader({ name: 'If-Range', required: false, description: 'The ETag the client’s partial copy has.' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag of a cached copy → 304.' })
  @ApiOkResponse({
    description: 'The bytes, with their Content-Type, a strong ETag (the SHA-256) and Content-Disposition: attachment.',
    content: { 'application/octet-stream': BINARY },
  })
  @ApiResponse({
    status: 206,
    description: 'The requested range; `Content-Range` says which.',
    content: { 'application/octet-stream': BINARY },
  })
  @ApiResponse({ status: 304, description: 'The cached copy (If-None-Match) is current.' })
  @ApiProblemResponses(401, 403, 404, 416, 429, 503)
  async content(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Param('attachmentId') attachmentId: string,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const attachment = await this.attachments.get(workspaceId, taskId, attachmentId);
    const etag = `"${attachment.sha256}"`;
    response.setHeader('ETag', etag);
    // Authenticated bytes: private caches only, and revalidated (the ETag makes that cheap).
    response.setHeader('Cache-Control', 'private, no-cache');
    if (ifNoneMatchHits(ifNoneMatch, etag)) {
      response.writeHead(304).end();
      return;
    }
    response.setHeader('Accept-Ranges', 'bytes');
    response.setHeader('Content-Disposition', attachmentDisposition(attachment.filename));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    const plan = planRange(range, ifRange, attachment.size, etag);
    if (plan.kind === 'unsatisfiable') {
      response.setHeader('Content-Range', `bytes */${attachment.size}`);
      throw new DomainError('range_not_satisfiable', `The file has ${attachment.size} bytes; the range is outside it.`);
    }
    const partial = plan.kind === 'partial' ? { start: plan.start, end: plan.end } : undefined;
    const length = partial ? partial.end - partial.start + 1 : attachment.size;
    // Opened before the status is sent, so a store that is away still gets a 503 problem.
    const bytes =
      request.method === 'HEAD' ? undefined : await this.attachments.content(workspaceId, attachment, partial);
    response.statusCode = partial ? 206 : 200;
    response.setHeader('Content-Type', attachment.contentType);
    response.setHeader('Content-Length', String(length));
    if (partial) response.setHeader('Content-Range', `bytes ${partial.start}-${partial.end}/${attachment.size}`);
    if (!bytes) {
      response.end();
      return;
    }
    // A failure mid-stream can only cut the connection: the status is already out.
    await bytes.pipeTo(response).catch(() => response.destroy());
  }

  @Delete(':attachmentId')
  @HttpCode(204)
  @RequirePermission('attachments:write')
  @ApiOperation({
    operationId: 'deleteAttachment',
    summary: 'Delete an attachment (its uploader, or an admin or the owner: 403 otherwise).',
  })
  @ApiNoContentResponse({ description: 'The attachment is deleted; the worker removes its bytes once unused.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async delete(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Param('attachmentId') attachmentId: string,
    @Actor() actor: WorkspaceActor,
  ): Promise<void> {
    await this.attachments.delete(workspaceId, taskId, attachmentId, actor);
  }
}
