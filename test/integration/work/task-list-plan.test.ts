import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@groundwork/platform';
import { ProjectsService, type TaskListParams, TaskListQuery } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { actor, WorkArrangement, workTestingModule } from './work-fixtures.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The list queries exactly as TaskListQuery issues them (captured from Prisma's query events),
 * explained on a realistic volume: 50 000 tasks in one workspace. A Seq Scan of tasks means a
 * list would read the whole table on every page — the indexes of the migration must prevent it.
 */
describe('task list query plans on 50 000 tasks', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let taskList: TaskListQuery;
  let arrange: WorkArrangement;
  let workspaceId: string;
  let projectId: string;
  let assigneeId: string;
  const captured: { query: string; params: string }[] = [];

  beforeAll(async () => {
    moduleRef = await workTestingModule();
    prisma = moduleRef.get(PrismaService);
    taskList = moduleRef.get(TaskListQuery);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
    const ws = await arrange.workspace('member');
    workspaceId = ws.id;
    assigneeId = ws.others[0]!;
    const project = await moduleRef
      .get(ProjectsService)
      .create(ws.id, actor(ws.owner, 'owner'), { name: 'Volume', key: 'VOL' });
    projectId = project.id;
    // One statement: ids are random v4 here (order does not matter for the plans), a spread of
    // statuses, priorities, assignees, labels and due dates, 2 % soft-deleted.
    // The insert maintains a dozen indexes (a trigram GIN among them): on a loaded CI machine it
    // may outlast the app's 15 s statement timeout, which is not this test's subject.
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL statement_timeout = '120s'");
        await tx.$executeRaw`
        INSERT INTO tasks (id, workspace_id, project_id, number, title, status, priority, assignee_id, labels,
                           due_at, created_by_id, deleted_at, created_at, updated_at)
        SELECT gen_random_uuid(), ${workspaceId}::uuid, ${projectId}::uuid, g,
               'Task ' || g || ' ' || md5(g::text),
               (ARRAY['todo','in_progress','in_review','done','canceled'])[1 + g % 5]::task_status,
               (ARRAY['none','low','medium','high','urgent'])[1 + g % 5]::task_priority,
               CASE WHEN g % 10 = 0 THEN ${assigneeId}::uuid END,
               ARRAY['label-' || (g % 40)]::varchar(50)[],
               CASE WHEN g % 3 = 0 THEN now() + (g % 90) * interval '1 day' END,
               ${ws.owner}::uuid,
               CASE WHEN g % 50 = 0 THEN now() END,
               now() - g * interval '1 minute', now() - g * interval '1 minute'
        FROM generate_series(1, 50000) AS g`;
      },
      { timeout: 120_000 },
    );
    await prisma.$executeRawUnsafe('ANALYZE tasks');
    prisma.$on('query', (event) => {
      if (/FROM "public"\."tasks"/.test(event.query)) captured.push({ query: event.query, params: event.params });
    });
  }, 120_000);

  afterAll(async () => {
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL statement_timeout = '120s'");
        await tx.$executeRaw`DELETE FROM tasks WHERE workspace_id = ${workspaceId}::uuid`;
      },
      { timeout: 120_000 },
    );
    await arrange.cleanUp();
    await moduleRef.close();
  });

  /** Runs the list through the service and explains the SQL it sent. */
  async function planOf(query: Omit<TaskListParams, 'limit'>, withoutIndexes = false): Promise<PlanNode[]> {
    captured.length = 0;
    await taskList.list(workspaceId, { limit: 20, ...query });
    const statement = captured.find((c) => /ORDER BY/.test(c.query));
    if (!statement) throw new Error('the list query was not captured');
    const params = JSON.parse(statement.params) as unknown[];
    const [row] = await prisma.$transaction(async (tx) => {
      if (withoutIndexes) {
        await tx.$executeRawUnsafe('SET LOCAL enable_indexscan = off');
        await tx.$executeRawUnsafe('SET LOCAL enable_bitmapscan = off');
      }
      return tx.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
        `EXPLAIN (FORMAT JSON) ${statement.query}`,
        ...params,
      );
    });
    return nodesOf(row!['QUERY PLAN'][0].Plan);
  }

  const seqScansOfTasks = (nodes: PlanNode[]) =>
    nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'tasks');

  it('sees a Seq Scan when the planner may not use indexes (the check itself works)', async () => {
    expect(seqScansOfTasks(await planOf({}, true))).not.toEqual([]);
  });

  const cases: [string, Omit<TaskListParams, 'limit'>][] = [
    ['the default list (newest first)', {}],
    ['the second page of the default list', {}],
    ['a status filter (a board column)', { status: ['in_review'] }],
    ['one project', { projectId: '' }],
    ['one assignee', { assigneeId: '' }],
    ['sorted by priority, descending', { sort: '-priority' }],
    ['sorted by due date', { sort: 'dueAt' }],
    ['a title search (q)', { q: 'ab12' }],
  ];

  it.each(cases)('%s uses an index, never a Seq Scan of tasks', async (name, query) => {
    const concrete = {
      ...query,
      ...(query.projectId === '' ? { projectId } : {}),
      ...(query.assigneeId === '' ? { assigneeId } : {}),
    };
    if (name.startsWith('the second page')) {
      const first = await taskList.list(workspaceId, { limit: 20 });
      concrete.cursor = first.page.nextCursor ?? undefined;
    }

    const nodes = await planOf(concrete);

    expect(seqScansOfTasks(nodes)).toEqual([]);
    expect(nodes.some((n) => n['Index Name']?.startsWith('tasks_'))).toBe(true);
  });
});
