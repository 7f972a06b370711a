import { Prisma, type PrismaService } from '@groundwork/platform';
import { withoutSentinels } from '../query/snippet.js';

/** A document's `_source`: a task's (title, labels, key, description) or a comment's (body). */
export interface DocumentSource {
  type: 'task' | 'comment';
  id: string;
  workspace_id: string;
  project_id: string;
  task_id: string;
  /** False while the task (for a comment: its task) is deleted; restored → true again. */
  live: boolean;
  updated_at: string;
  task_title: string;
  title?: string;
  labels?: string[];
  key?: string;
  description?: string;
  body?: string;
}

/**
 * A document as the database has it now, with the version Elasticsearch orders its writes by
 * (external versioning). Each version is a sum of row versions that only ever grow, so it grows
 * whenever anything the document holds changes: a task's is its version plus its project's (the
 * key), a comment's is its version plus its task's (title, deletion, restore).
 */
export interface SearchDocument {
  _id: string;
  version: number;
  source: DocumentSource;
}

export const documentId = (type: 'task' | 'comment', id: string) => `${type}-${id}`;

interface TaskRow {
  id: string;
  workspace_id: string;
  project_id: string;
  title: string;
  description: string | null;
  labels: string[];
  key: string;
  live: boolean;
  updated_at: Date;
  version: number;
}

interface CommentRow {
  id: string;
  workspace_id: string;
  project_id: string;
  task_id: string;
  task_title: string;
  body: string;
  live: boolean;
  updated_at: Date;
  version: number;
}

/** Which rows to read: by id, or the next page (after an id) of a task's comments, a project's tasks, or all. */
export type RowSelection =
  | { ids: string[] }
  | { taskId: string; after: string; limit: number }
  | { projectId: string; after: string; limit: number }
  | { after: string; limit: number };

export const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** Reads tasks and comments as search documents (one statement per page). */
export class SearchDocuments {
  constructor(private readonly prisma: PrismaService) {}

  async tasks(workspaceId: string | null, selection: RowSelection): Promise<SearchDocument[]> {
    const rows = await this.prisma.$queryRaw<TaskRow[]>`
      SELECT t.id::text, t.workspace_id::text, t.project_id::text, t.title, t.description, t.labels,
             p.key || '-' || t.number AS key, t.deleted_at IS NULL AS live, t.updated_at,
             (t.version + p.version)::int AS version
        FROM tasks t
        JOIN projects p ON p.id = t.project_id
       WHERE ${where(Prisma.sql`t`, workspaceId, selection, Prisma.sql`t.project_id`, Prisma.sql`t.id`)}
       ORDER BY t.id
       ${limitOf(selection)}`;
    return rows.map((row) => ({
      _id: documentId('task', row.id),
      version: row.version,
      source: {
        type: 'task',
        id: row.id,
        workspace_id: row.workspace_id,
        project_id: row.project_id,
        task_id: row.id,
        live: row.live,
        updated_at: row.updated_at.toISOString(),
        task_title: withoutSentinels(row.title),
        title: withoutSentinels(row.title),
        labels: row.labels.map(withoutSentinels),
        key: row.key,
        description: withoutSentinels(row.description ?? ''),
      },
    }));
  }

  async comments(workspaceId: string | null, selection: RowSelection): Promise<SearchDocument[]> {
    const rows = await this.prisma.$queryRaw<CommentRow[]>`
      SELECT c.id::text, c.workspace_id::text, t.project_id::text, c.task_id::text, t.title AS task_title, c.body,
             t.deleted_at IS NULL AS live, c.updated_at, (c.version + t.version)::int AS version
        FROM task_comments c
        JOIN tasks t ON t.id = c.task_id
       WHERE ${where(Prisma.sql`c`, workspaceId, selection, Prisma.sql`t.project_id`, Prisma.sql`c.id`, Prisma.sql`c.task_id`)}
       ORDER BY c.id
       ${limitOf(selection)}`;
    return rows.map((row) => ({
      _id: documentId('comment', row.id),
      version: row.version,
      source: {
        type: 'comment',
        id: row.id,
        workspace_id: row.workspace_id,
        project_id: row.project_id,
        task_id: row.task_id,
        live: row.live,
        updated_at: row.updated_at.toISOString(),
        task_title: withoutSentinels(row.task_title),
        body: withoutSentinels(row.body),
      },
    }));
  }

  async count(table: 'tasks' | 'task_comments'): Promise<number> {
    const [row] =
      table === 'tasks'
        ? await this.prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM tasks`
        : await this.prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM task_comments`;
    return row?.total ?? 0;
  }
}

function where(
  alias: Prisma.Sql,
  workspaceId: string | null,
  selection: RowSelection,
  projectColumn: Prisma.Sql,
  idColumn: Prisma.Sql,
  taskColumn?: Prisma.Sql,
): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (workspaceId !== null) conditions.push(Prisma.sql`${alias}.workspace_id = ${workspaceId}::uuid`);
  if ('ids' in selection) {
    conditions.push(Prisma.sql`${idColumn} = ANY(${selection.ids}::uuid[])`);
  } else {
    conditions.push(Prisma.sql`${idColumn} > ${selection.after}::uuid`);
    if ('taskId' in selection) {
      if (taskColumn === undefined) throw new Error('a task selection applies to comments only');
      conditions.push(Prisma.sql`${taskColumn} = ${selection.taskId}::uuid`);
    }
    if ('projectId' in selection) conditions.push(Prisma.sql`${projectColumn} = ${selection.projectId}::uuid`);
  }
  return Prisma.join(conditions, ' AND ');
}

function limitOf(selection: RowSelection): Prisma.Sql {
  return 'ids' in selection ? Prisma.empty : Prisma.sql`LIMIT ${selection.limit}`;
}
