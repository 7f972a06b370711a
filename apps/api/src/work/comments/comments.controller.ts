import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AppConfig, type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../../http/page-query.dto.js';
import { CommentsService } from '@groundwork/work';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { RequirePermission } from '../../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator.js';
import { Idempotent } from '../../http/idempotency/idempotent.decorator.js';
import type { HeaderSettable } from '../../http/header-settable.js';
import { CommentDto, CommentPageDto, WriteCommentDto } from './comments.dto.js';

@ApiTags('comments')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/tasks/:taskId/comments', version: '1' })
export class CommentsController {
  constructor(
    private readonly comments: CommentsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @RequirePermission('comments:write')
  @ApiOperation({ operationId: 'createComment', summary: 'Comment on a task.' })
  @ApiCreatedResponse({ type: CommentDto, description: 'Created; `Location` names the comment.' })
  @ApiProblemResponses(400, 401, 403, 404, 415, 422, 429)
  async create(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Body() body: WriteCommentDto,
    @Actor() actor: WorkspaceActor,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<CommentDto> {
    const comment = await this.comments.create(workspaceId, taskId, actor, body.body);
    response.setHeader(
      'Location',
      `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/tasks/${taskId}/comments/${comment.id}`,
    );
    return CommentDto.from(comment);
  }

  @Get()
  @Paginated()
  @RequirePermission('comments:read')
  @ApiOperation({ operationId: 'listComments', summary: 'A task’s comments, oldest first.' })
  @ApiOkResponse({ type: CommentPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<CommentDto>> {
    const page = await this.comments.list(workspaceId, taskId, query.limit, query.cursor);
    return { data: page.data.map(CommentDto.from), page: page.page };
  }

  @Patch(':commentId')
  @RequirePermission('comments:write')
  @ApiOperation({ operationId: 'updateComment', summary: 'Edit a comment (its author only: 403 otherwise).' })
  @ApiOkResponse({ type: CommentDto })
  @ApiProblemResponses(400, 401, 403, 404, 415, 422, 429)
  async update(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Param('commentId') commentId: string,
    @Body() body: WriteCommentDto,
    @Actor() actor: WorkspaceActor,
  ): Promise<CommentDto> {
    return CommentDto.from(await this.comments.update(workspaceId, taskId, commentId, actor, body.body));
  }

  @Delete(':commentId')
  @HttpCode(204)
  @RequirePermission('comments:write')
  @ApiOperation({
    operationId: 'deleteComment',
    summary: 'Delete a comment (its author, or an admin or the owner: 403 otherwise).',
  })
  @ApiNoContentResponse({ description: 'The comment is deleted.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async delete(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Param('commentId') commentId: string,
    @Actor() actor: WorkspaceActor,
  ): Promise<void> {
    await this.comments.delete(workspaceId, taskId, commentId, actor);
  }
}
