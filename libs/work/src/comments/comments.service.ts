import { Injectable } from '@nestjs/common';
import { DomainError, isUuid, newId, OutboxService, type Page, pageById, PrismaService } from '@groundwork/platform';
import { roleAtLeast, type WorkspaceActor } from '@groundwork/workspaces';
import { sanitizeMarkdown } from '../support/markdown.js';

export interface CommentView {
  id: string;
  taskId: string;
  authorId: string;
  body: string;
  editedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COMMENT_VIEW = {
  id: true,
  taskId: true,
  authorId: true,
  body: true,
  editedAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

const taskNotFound = () => new DomainError('not_found', 'The task does not exist.');
const commentNotFound = () => new DomainError('not_found', 'The comment does not exist.');

/**
 * Comments on live tasks. The rule that depends on the resource lives here, not in the
 * permission table: anyone with comments:write comments; only the author edits a comment;
 * the author or an admin (or the owner) deletes it — moderation without rewriting someone
 * else's words. What an API key does counts as its creator's (it acts for them). Deleting is
 * final (no restore for comments).
 */
@Injectable()
export class CommentsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
  ) {}

  async create(workspaceId: string, taskId: string, actor: WorkspaceActor, body: string): Promise<CommentView> {
    await this.assertLiveTask(workspaceId, taskId);
    const id = newId();
    return this.prisma.$transaction(async (tx) => {
      const comment = await tx.taskComment.create({
        data: { id, workspaceId, taskId, authorId: actor.userId, body: sanitizeMarkdown(body) },
        select: COMMENT_VIEW,
      });
      await this.outbox.publish(tx, {
        type: 'comment.created',
        data: { commentId: id, taskId },
        workspaceId,
        actorId: actor.userId,
      });
      return comment;
    });
  }

  /** A live task's comments, oldest first (ids are time-ordered). */
  async list(workspaceId: string, taskId: string, limit: number, cursor?: string): Promise<Page<CommentView>> {
    await this.assertLiveTask(workspaceId, taskId);
    return pageById(
      { scope: ['comments', workspaceId, taskId], limit, cursor, order: 'asc' },
      ({ after, orderBy, take }) =>
        this.prisma.taskComment.findMany({
          where: { taskId, workspaceId, ...after },
          orderBy,
          take,
          select: COMMENT_VIEW,
        }),
      (row) => row,
    );
  }

  /** Rewrites the body: the author only (403 for anyone else). */
  async update(
    workspaceId: string,
    taskId: string,
    commentId: string,
    actor: WorkspaceActor,
    body: string,
  ): Promise<CommentView> {
    const comment = await this.find(workspaceId, taskId, commentId);
    if (comment.authorId !== actor.userId) {
      throw new DomainError('forbidden', 'Only its author can edit a comment.');
    }
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.taskComment.updateMany({
        where: { id: commentId, authorId: actor.userId },
        data: { body: sanitizeMarkdown(body), editedAt: new Date(), version: { increment: 1 } },
      });
      if (count === 0) throw commentNotFound();
      await this.outbox.publish(tx, {
        type: 'comment.updated',
        data: { commentId, taskId },
        workspaceId,
        actorId: actor.userId,
      });
      return tx.taskComment.findUniqueOrThrow({ where: { id: commentId }, select: COMMENT_VIEW });
    });
  }

  /** Deletes the comment: its author, or an admin or the owner (403 for anyone else). */
  async delete(workspaceId: string, taskId: string, commentId: string, actor: WorkspaceActor): Promise<void> {
    const comment = await this.find(workspaceId, taskId, commentId);
    if (comment.authorId !== actor.userId && !roleAtLeast(actor.role, 'admin')) {
      throw new DomainError('forbidden', 'Only its author or an admin can delete a comment.');
    }
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.taskComment.deleteMany({ where: { id: commentId } });
      if (count === 0) throw commentNotFound();
      await this.outbox.publish(tx, {
        type: 'comment.deleted',
        data: { commentId, taskId },
        workspaceId,
        actorId: actor.userId,
      });
    });
  }

  private async find(workspaceId: string, taskId: string, commentId: string): Promise<CommentView> {
    await this.assertLiveTask(workspaceId, taskId);
    if (!isUuid(commentId)) throw commentNotFound();
    const comment = await this.prisma.taskComment.findFirst({
      where: { id: commentId, taskId, workspaceId },
      select: COMMENT_VIEW,
    });
    if (!comment) throw commentNotFound();
    return comment;
  }

  /** Comments of a deleted task are out of sight with it (404), until it is restored. */
  private async assertLiveTask(workspaceId: string, taskId: string): Promise<void> {
    if (!isUuid(taskId)) throw taskNotFound();
    const live = await this.prisma.task.count({ where: { id: taskId, workspaceId, deletedAt: null } });
    if (live === 0) throw taskNotFound();
  }
}
