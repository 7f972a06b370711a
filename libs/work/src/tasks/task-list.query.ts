import { Injectable } from '@nestjs/common';
import {
  CursorCodec,
  type CursorValue,
  cursorScope,
  DomainError,
  isUuid,
  keysetAfter,
  keysetOrderBy,
  type Page,
  parseSort,
  type Prisma,
  PrismaService,
  type SortSpec,
  toPage,
} from '@groundwork/platform';
import { TASK_PRIORITIES, type TaskPriority, type TaskStatus } from './task-workflow.js';
import { TASK_VIEW, type TaskView } from './task-view.js';

export const TASK_SORT_FIELDS = ['createdAt', 'updatedAt', 'dueAt', 'priority'] as const;
export type TaskSortField = (typeof TASK_SORT_FIELDS)[number];
/** Newest first unless asked otherwise. */
const DEFAULT_SORT: SortSpec<TaskSortField> = { field: 'createdAt', direction: 'desc' };

export interface TaskListParams {
  projectId?: string;
  status?: TaskStatus[];
  assigneeId?: string;
  label?: string;
  priority?: TaskPriority;
  /** Due at or before. */
  dueBefore?: Date;
  /** Due at or after. */
  dueAfter?: Date;
  /** Title contains, case-insensitive. */
  q?: string;
  sort?: string;
  limit: number;
  cursor?: string;
}

/**
 * The list of a workspace's live tasks: filters, a sort from the allow-list and keyset pages
 * whose cursor carries the sort value and the id. Its indexes are proven by the query plans
 * of `task-list-plan.test.ts`.
 */
@Injectable()
export class TaskListQuery {
  constructor(private readonly prisma: PrismaService) {}

  /** Live tasks of the workspace, filtered, sorted (allow-list → 422) and keyset-paged. */
  async list(workspaceId: string, query: TaskListParams): Promise<Page<TaskView>> {
    const sort = parseSort(query.sort, TASK_SORT_FIELDS, DEFAULT_SORT);
    const filters: Prisma.TaskWhereInput = {
      workspaceId,
      deletedAt: null,
      ...(query.projectId === undefined ? {} : { projectId: query.projectId }),
      ...(query.status === undefined || query.status.length === 0 ? {} : { status: { in: query.status } }),
      ...(query.assigneeId === undefined ? {} : { assigneeId: query.assigneeId }),
      ...(query.label === undefined ? {} : { labels: { has: query.label } }),
      ...(query.priority === undefined ? {} : { priority: query.priority }),
      ...(query.dueBefore === undefined && query.dueAfter === undefined
        ? {}
        : { dueAt: { lte: query.dueBefore, gte: query.dueAfter } }),
      // Prisma passes `contains` to ILIKE as it is: `%` and `_` are escaped to stay literal.
      ...(query.q === undefined
        ? {}
        : { title: { contains: query.q.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' as const } }),
    };
    const scope = cursorScope([
      'tasks',
      workspaceId,
      sort,
      query.projectId,
      query.status,
      query.assigneeId,
      query.label,
      query.priority,
      query.dueBefore?.toISOString(),
      query.dueAfter?.toISOString(),
      query.q,
    ]);
    const nullable = sort.field === 'dueAt';
    const after = query.cursor === undefined ? undefined : this.after(sort, CursorCodec.decode(scope, query.cursor));
    // Cancellable: a client that goes away (or a route timeout) stops the query in PostgreSQL too.
    const rows = await this.prisma.cancellable((db) =>
      db.task.findMany({
        where: after === undefined ? filters : { AND: [filters, after] },
        orderBy: keysetOrderBy(sort, { nullable }) as Prisma.TaskOrderByWithRelationInput[],
        take: query.limit + 1,
        select: TASK_VIEW,
      }),
    );
    return toPage(
      rows,
      query.limit,
      scope,
      (row) => [positionOf(row, sort.field), row.id],
      (row) => row,
    );
  }

  private after(sort: SortSpec<TaskSortField>, position: CursorValue[]): Prisma.TaskWhereInput {
    const invalid = () => new DomainError('invalid_cursor', 'The cursor is invalid.');
    const [value, id] = position;
    if (position.length !== 2 || typeof id !== 'string' || !isUuid(id)) throw invalid();
    if (sort.field === 'priority') {
      if (typeof value !== 'string' || !(TASK_PRIORITIES as readonly string[]).includes(value)) throw invalid();
      return priorityAfter(sort, value as TaskPriority, id);
    }
    const nullable = sort.field === 'dueAt';
    if (value === null ? !nullable : typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid();
    return keysetAfter(sort, value, id, { nullable }) as Prisma.TaskWhereInput;
  }
}

function positionOf(task: TaskView, field: TaskSortField): CursorValue {
  const value = task[field];
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * Keyset for the priority enum: Prisma has no `gt` on enums, so "after medium" (ascending) is
 * "priority in (high, urgent), or medium with a later id" — the same rows, in the index order.
 */
function priorityAfter(sort: SortSpec<TaskSortField>, value: TaskPriority, id: string): Prisma.TaskWhereInput {
  const index = TASK_PRIORITIES.indexOf(value);
  const beyond = sort.direction === 'asc' ? TASK_PRIORITIES.slice(index + 1) : TASK_PRIORITIES.slice(0, index);
  return {
    OR: [
      { priority: { in: [...beyond] } },
      { priority: value, id: sort.direction === 'asc' ? { gt: id } : { lt: id } },
    ],
  };
}
