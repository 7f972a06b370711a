import { Injectable } from '@nestjs/common';
import {
  DomainError,
  isUuid,
  newId,
  OutboxService,
  type Page,
  pageById,
  PrismaService,
  TwoLevelCache,
} from '@groundwork/platform';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { sanitizeMarkdown } from '../support/markdown.js';
import { isUniqueViolation, notFoundOrStale } from '../support/work-errors.js';
import { tasksCacheNamespace } from '../tasks/tasks-cache.js';

export interface ProjectView {
  id: string;
  workspaceId: string;
  name: string;
  key: string;
  description: string | null;
  wipLimit: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateProjectInput {
  name: string;
  key: string;
  description?: string | null;
  wipLimit?: number | null;
}

export type UpdateProjectInput = Partial<CreateProjectInput>;

type ProjectField = 'name' | 'key' | 'description' | 'wipLimit';

const PROJECT_VIEW = {
  id: true,
  workspaceId: true,
  name: true,
  key: true,
  description: true,
  wipLimit: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} as const;

const notFound = () => new DomainError('not_found', 'The project does not exist.');

const keyTaken = (key: string, cause: unknown) =>
  new DomainError('conflict', `The key "${key}" is already used by another project of this workspace.`, {
    errors: [{ field: 'key', message: 'key is already taken in this workspace' }],
    cause,
  });

function clean(description: string | null | undefined): string | null | undefined {
  return description === undefined || description === null ? description : sanitizeMarkdown(description);
}

/**
 * Projects of a workspace. Writes are optimistic: the caller names the version it read, and
 * the version check and the change are one statement (`UPDATE … WHERE version = $v`), so two
 * writers that read the same version cannot both win.
 *
 * Deleting is a hard delete refused (409) while the project has live tasks: a project is a
 * container, and silently hiding its tasks with it would surprise the people working on them.
 * Its soft-deleted tasks (already out of sight, restorable only through a live project) go
 * with it.
 */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly cache: TwoLevelCache,
  ) {}

  async create(workspaceId: string, actor: WorkspaceActor, input: CreateProjectInput): Promise<ProjectView> {
    const id = newId();
    try {
      return await this.prisma.$transaction(async (tx) => {
        const project = await tx.project.create({
          data: {
            id,
            workspaceId,
            name: input.name,
            key: input.key,
            description: clean(input.description) ?? null,
            wipLimit: input.wipLimit ?? null,
            createdById: actor.userId,
          },
          select: PROJECT_VIEW,
        });
        await this.outbox.publish(tx, {
          type: 'project.created',
          data: { projectId: id, key: project.key },
          workspaceId,
          actorId: actor.userId,
        });
        return project;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw keyTaken(input.key, error);
      throw error;
    }
  }

  /** The workspace's projects, oldest first (ids are time-ordered). */
  async list(workspaceId: string, limit: number, cursor?: string): Promise<Page<ProjectView>> {
    return pageById(
      { scope: ['projects', workspaceId], limit, cursor, order: 'asc' },
      ({ after, orderBy, take }) =>
        this.prisma.project.findMany({ where: { workspaceId, ...after }, orderBy, take, select: PROJECT_VIEW }),
      (row) => row,
    );
  }

  /** The keys of the given projects of a workspace (one query), for presenting task keys. */
  async keysByIds(workspaceId: string, projectIds: readonly string[]): Promise<Map<string, string>> {
    const ids = [...new Set(projectIds)].filter(isUuid);
    if (ids.length === 0) return new Map();
    const rows = await this.prisma.project.findMany({
      where: { workspaceId, id: { in: ids } },
      select: { id: true, key: true },
    });
    return new Map(rows.map((row) => [row.id, row.key]));
  }

  async get(workspaceId: string, projectId: string): Promise<ProjectView> {
    if (!isUuid(projectId)) throw notFound();
    const project = await this.prisma.project.findFirst({
      where: { id: projectId, workspaceId },
      select: PROJECT_VIEW,
    });
    if (!project) throw notFound();
    return project;
  }

  /** Changes the given fields if the project is still at `expectedVersion` (else 412). */
  async update(
    workspaceId: string,
    projectId: string,
    actor: WorkspaceActor,
    expectedVersion: number,
    input: UpdateProjectInput,
  ): Promise<ProjectView> {
    if (!isUuid(projectId)) throw notFound();
    const fields = (['name', 'key', 'description', 'wipLimit'] as const).filter(
      (field): field is ProjectField => input[field] !== undefined,
    );
    try {
      const project = await this.prisma.$transaction(async (tx) => {
        const { count } = await tx.project.updateMany({
          where: { id: projectId, workspaceId, version: expectedVersion },
          data: {
            name: input.name,
            key: input.key,
            description: clean(input.description),
            wipLimit: input.wipLimit,
            version: { increment: 1 },
          },
        });
        if (count === 0) {
          const exists = (await tx.project.count({ where: { id: projectId, workspaceId } })) > 0;
          throw notFoundOrStale(exists, 'project', expectedVersion);
        }
        if (fields.length > 0) {
          await this.outbox.publish(tx, {
            type: 'project.updated',
            data: { projectId, fields },
            workspaceId,
            actorId: actor.userId,
          });
        }
        return tx.project.findUniqueOrThrow({ where: { id: projectId }, select: PROJECT_VIEW });
      });
      // Task representations show the project's key (v2's `key`): cached ones must not keep the old one.
      if (fields.includes('key')) await this.cache.invalidate(tasksCacheNamespace(workspaceId));
      return project;
    } catch (error) {
      if (isUniqueViolation(error)) throw keyTaken(input.key ?? '', error);
      throw error;
    }
  }

  /** Deletes the project if it is at `expectedVersion` and has no live tasks (else 412 / 409). */
  async delete(workspaceId: string, projectId: string, actor: WorkspaceActor, expectedVersion: number): Promise<void> {
    if (!isUuid(projectId)) throw notFound();
    await this.prisma.$transaction(async (tx) => {
      // The row lock makes a concurrent task create wait, then find the project gone.
      const locked = await tx.$queryRaw<{ version: number }[]>`
        SELECT version FROM projects WHERE id = ${projectId}::uuid AND workspace_id = ${workspaceId}::uuid FOR UPDATE`;
      if (locked.length === 0) throw notFound();
      const liveTasks = await tx.task.count({ where: { projectId, deletedAt: null } });
      if (liveTasks > 0) {
        throw new DomainError(
          'conflict',
          `The project still has ${liveTasks} task(s); delete or move them before deleting the project.`,
          { extensions: { liveTasks } },
        );
      }
      const { count } = await tx.project.deleteMany({
        where: { id: projectId, workspaceId, version: expectedVersion },
      });
      if (count === 0) throw notFoundOrStale(true, 'project', expectedVersion);
      await this.outbox.publish(tx, {
        type: 'project.deleted',
        data: { projectId },
        workspaceId,
        actorId: actor.userId,
      });
    });
  }
}
