import { Injectable } from '@nestjs/common';
import {
  DomainError,
  isUuid,
  newId,
  OutboxService,
  type Prisma,
  PrismaService,
  type Transaction,
  TwoLevelCache,
} from '@groundwork/platform';
import { WorkspaceAccess, type WorkspaceActor } from '@groundwork/workspaces';
import { sanitizeMarkdown } from '../support/markdown.js';
import { notFoundOrStale } from '../support/work-errors.js';
import { tasksCacheNamespace } from './tasks-cache.js';
import { TASK_VIEW, type TaskView } from './task-view.js';
import { assertTransition, type TaskPriority, type TaskStatus } from './task-workflow.js';

export interface CreateTaskInput {
  projectId: string;
  title: string;
  description?: string | null;
  priority?: TaskPriority;
  assigneeId?: string | null;
  labels?: string[];
  dueAt?: Date | null;
}

/** The writable fields; absent ones are left as they are (PUT passes all of them). */
export interface TaskChanges {
  title?: string;
  description?: string | null;
  status?: TaskStatus;
  priority?: TaskPriority;
  assigneeId?: string | null;
  labels?: string[];
  dueAt?: Date | null;
}

type TaskField = keyof TaskChanges;
const TASK_FIELDS: readonly TaskField[] = [
  'title',
  'description',
  'status',
  'priority',
  'assigneeId',
  'labels',
  'dueAt',
];

const notFound = () => new DomainError('not_found', 'The task does not exist.');

const notAMember = (field: string) =>
  new DomainError('validation_failed', 'The assignee must be a member of the workspace.', {
    errors: [{ field, message: `${field} must be a member of the workspace` }],
  });

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** Labels as a set in first-seen order: a label given twice is one label. */
function uniqueLabels(labels: string[] | undefined): string[] | undefined {
  return labels === undefined ? undefined : [...new Set(labels)];
}

function clean(description: string | null | undefined): string | null | undefined {
  return description === undefined || description === null ? description : sanitizeMarkdown(description);
}

/**
 * A task and the rules of its writes: per-project gapless numbers, the state machine, the
 * assignee being a member, the WIP limit, soft delete and restore, and an outbox event for
 * every change, in the change's transaction. (The list is `TaskListQuery`; what other contexts
 * read about tasks is `TaskReadsService`.)
 *
 * Concurrency: a create increments the project's counter with one `UPDATE … RETURNING`, whose
 * row lock serialises creators of one project (no gaps, no duplicates). A move into
 * in_progress locks the project row before counting, so two moves into the last free slot
 * run one after the other and the second sees the first. Every write checks the version the
 * client read in its `UPDATE … WHERE version = $v`: of concurrent writers of one version,
 * exactly one wins and the others get 412.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly access: WorkspaceAccess,
    private readonly cache: TwoLevelCache,
  ) {}

  async create(workspaceId: string, actor: WorkspaceActor, input: CreateTaskInput): Promise<TaskView> {
    const assigneeId = input.assigneeId ?? null;
    if (assigneeId !== null) await this.assertMember(workspaceId, assigneeId, 'assigneeId');
    if (!isUuid(input.projectId)) throw this.unknownProject();
    const id = newId();
    return this.committed(workspaceId, async (tx) => {
      const counter = await tx.$queryRaw<{ number: number }[]>`
        UPDATE projects SET next_task_number = next_task_number + 1
        WHERE id = ${input.projectId}::uuid AND workspace_id = ${workspaceId}::uuid
        RETURNING next_task_number - 1 AS number`;
      const number = counter[0]?.number;
      if (number === undefined) throw this.unknownProject();
      const task = await tx.task.create({
        data: {
          id,
          workspaceId,
          projectId: input.projectId,
          number,
          title: input.title,
          description: clean(input.description) ?? null,
          priority: input.priority ?? 'none',
          assigneeId,
          labels: uniqueLabels(input.labels) ?? [],
          dueAt: input.dueAt ?? null,
          createdById: actor.userId,
        },
        select: TASK_VIEW,
      });
      await this.outbox.publish(tx, {
        type: 'task.created',
        data: { taskId: id, projectId: input.projectId, number },
        workspaceId,
        actorId: actor.userId,
      });
      if (assigneeId !== null) {
        await this.outbox.publish(tx, {
          type: 'task.assigned',
          data: { taskId: id, assigneeId },
          workspaceId,
          actorId: actor.userId,
        });
      }
      return task;
    });
  }

  /** A live task (soft-deleted ones are 404). */
  async get(workspaceId: string, taskId: string): Promise<TaskView> {
    if (!isUuid(taskId)) throw notFound();
    const task = await this.prisma.task.findFirst({
      where: { id: taskId, workspaceId, deletedAt: null },
      select: TASK_VIEW,
    });
    if (!task) throw notFound();
    return task;
  }

  /**
   * Applies `changes` if the task is still at `expectedVersion` (else 412). Fields equal to
   * their current value are not changes: nothing changed → no new version, no event.
   */
  async update(
    workspaceId: string,
    taskId: string,
    actor: WorkspaceActor,
    expectedVersion: number,
    changes: TaskChanges,
  ): Promise<TaskView> {
    if (!isUuid(taskId)) throw notFound();
    // Asked before the transaction: it reads through the workspaces context on its own
    // connection, which a transaction must not wait for while holding one of the pool's.
    if (changes.assigneeId !== undefined && changes.assigneeId !== null) {
      await this.assertMember(workspaceId, changes.assigneeId, 'assigneeId');
    }
    const wanted: TaskChanges = {
      ...changes,
      description: clean(changes.description),
      labels: uniqueLabels(changes.labels),
    };
    return this.committed(workspaceId, async (tx) => {
      const current = await tx.task.findFirst({
        where: { id: taskId, workspaceId, deletedAt: null },
        select: TASK_VIEW,
      });
      if (!current) throw notFound();
      if (current.version !== expectedVersion) throw notFoundOrStale(true, 'task', expectedVersion);
      const fields = TASK_FIELDS.filter(
        (field) => wanted[field] !== undefined && !sameValue(wanted[field], current[field]),
      );
      if (fields.length === 0) return current;
      const data: Prisma.TaskUpdateManyMutationInput = { version: { increment: 1 } };
      for (const field of fields) Object.assign(data, { [field]: wanted[field] });

      const to = wanted.status;
      if (to !== undefined && fields.includes('status')) {
        assertTransition(current.status, to, actor.role);
        if (to === 'in_progress') await this.assertWipRoom(tx, current.projectId);
      }
      const { count } = await tx.task.updateMany({
        where: { id: taskId, workspaceId, version: expectedVersion, deletedAt: null },
        data,
      });
      if (count === 0) {
        const exists = (await tx.task.count({ where: { id: taskId, workspaceId, deletedAt: null } })) > 0;
        throw notFoundOrStale(exists, 'task', expectedVersion);
      }
      const event = { workspaceId, actorId: actor.userId };
      await this.outbox.publish(tx, { ...event, type: 'task.updated', data: { taskId, fields } });
      if (to !== undefined && fields.includes('status')) {
        await this.outbox.publish(tx, {
          ...event,
          type: 'task.status_changed',
          data: { taskId, from: current.status, to },
        });
      }
      if (fields.includes('assigneeId') && wanted.assigneeId) {
        await this.outbox.publish(tx, {
          ...event,
          type: 'task.assigned',
          data: { taskId, assigneeId: wanted.assigneeId },
        });
      }
      return tx.task.findUniqueOrThrow({ where: { id: taskId }, select: TASK_VIEW });
    });
  }

  /** Soft-deletes the task if it is at `expectedVersion` (else 412). */
  async delete(workspaceId: string, taskId: string, actor: WorkspaceActor, expectedVersion: number): Promise<void> {
    if (!isUuid(taskId)) throw notFound();
    await this.committed(workspaceId, async (tx) => {
      const { count } = await tx.task.updateMany({
        where: { id: taskId, workspaceId, version: expectedVersion, deletedAt: null },
        data: { deletedAt: new Date(), version: { increment: 1 } },
      });
      if (count === 0) {
        const exists = (await tx.task.count({ where: { id: taskId, workspaceId, deletedAt: null } })) > 0;
        throw notFoundOrStale(exists, 'task', expectedVersion);
      }
      await this.outbox.publish(tx, {
        type: 'task.deleted',
        data: { taskId },
        workspaceId,
        actorId: actor.userId,
      });
    });
  }

  /**
   * Brings a soft-deleted task back, as it was. A task that is not deleted → 409. One that
   * comes back in_progress counts against the WIP limit like a move there.
   */
  async restore(workspaceId: string, taskId: string, actor: WorkspaceActor): Promise<TaskView> {
    if (!isUuid(taskId)) throw notFound();
    return this.committed(workspaceId, async (tx) => {
      const task = await tx.task.findFirst({ where: { id: taskId, workspaceId }, select: TASK_VIEW });
      if (!task) throw notFound();
      const deleted = await tx.task.count({ where: { id: taskId, deletedAt: { not: null } } });
      if (deleted === 0) throw new DomainError('conflict', 'The task is not deleted.');
      if (task.status === 'in_progress') await this.assertWipRoom(tx, task.projectId);
      const { count } = await tx.task.updateMany({
        where: { id: taskId, workspaceId, deletedAt: { not: null } },
        data: { deletedAt: null, version: { increment: 1 } },
      });
      // Another restore got there first (the row lock made this one wait for it).
      if (count === 0) throw new DomainError('conflict', 'The task is not deleted.');
      await this.outbox.publish(tx, {
        type: 'task.restored',
        data: { taskId },
        workspaceId,
        actorId: actor.userId,
      });
      return tx.task.findUniqueOrThrow({ where: { id: taskId }, select: TASK_VIEW });
    });
  }

  /**
   * Every task write runs here: its transaction, then — once it has committed, before the
   * caller can answer — the bump of the workspace's task cache, so the writer's next read and
   * every instance's see the change (read-your-writes). A write that changed nothing bumps
   * too: cheaper than proving it changed nothing, and harmless.
   */
  private async committed<T>(workspaceId: string, write: (tx: Transaction) => Promise<T>): Promise<T> {
    const result = await this.prisma.$transaction(write);
    await this.cache.invalidate(tasksCacheNamespace(workspaceId));
    return result;
  }

  private async assertMember(workspaceId: string, userId: string, field: string): Promise<void> {
    if (!isUuid(userId) || (await this.access.roleOf(workspaceId, userId)) === undefined) throw notAMember(field);
  }

  /** Locks the project row (serialising moves into in_progress) and checks its WIP limit. */
  private async assertWipRoom(tx: Transaction, projectId: string): Promise<void> {
    const [project] = await tx.$queryRaw<{ wip_limit: number | null }[]>`
      SELECT wip_limit FROM projects WHERE id = ${projectId}::uuid FOR UPDATE`;
    const limit = project?.wip_limit ?? null;
    if (limit === null) return;
    const inProgress = await tx.task.count({ where: { projectId, status: 'in_progress', deletedAt: null } });
    if (inProgress >= limit) {
      throw new DomainError(
        'conflict',
        `The project's WIP limit (${limit}) is reached: finish or move a task out of in_progress first.`,
        { extensions: { wipLimit: limit, inProgress } },
      );
    }
  }

  private unknownProject(): DomainError {
    return new DomainError('validation_failed', 'The project does not exist in this workspace.', {
      errors: [{ field: 'projectId', message: 'projectId must name a project of the workspace' }],
    });
  }
}
