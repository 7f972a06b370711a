import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DomainError, PrismaService } from '@groundwork/platform';
import {
  ProjectsService,
  TASK_STATUSES,
  TASK_TRANSITIONS,
  type TaskListParams,
  TaskListQuery,
  type TaskStatus,
  TasksService,
  type TaskView,
} from '@groundwork/work';
import { type WorkspaceRole, WorkspacesService } from '@groundwork/workspaces';
import { actor, eventsOf, outcome, WorkArrangement, workTestingModule } from './work-fixtures.js';

describe('TasksService and TaskListQuery on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let projects: ProjectsService;
  let tasks: TasksService;
  let taskList: TaskListQuery;
  let arrange: WorkArrangement;

  beforeAll(async () => {
    moduleRef = await workTestingModule();
    prisma = moduleRef.get(PrismaService);
    projects = moduleRef.get(ProjectsService);
    tasks = moduleRef.get(TasksService);
    taskList = moduleRef.get(TaskListQuery);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
  });

  afterAll(async () => {
    await arrange.cleanUp();
    await moduleRef.close();
  });

  /** A workspace (owner, admin, member, viewer) with one project. */
  async function board(wipLimit: number | null = null) {
    const ws = await arrange.workspace('admin', 'member', 'viewer');
    const [admin, member, viewer] = ws.others as [string, string, string];
    const project = await projects.create(ws.id, actor(ws.owner, 'owner'), { name: 'Engine', key: 'ENG', wipLimit });
    const as = (role: WorkspaceRole) => actor({ owner: ws.owner, admin, member, viewer }[role], role);
    return { ws, project, admin, member, viewer, as };
  }

  /** Walks a fresh task to `status` along allowed moves, as the owner. */
  async function taskIn(b: Awaited<ReturnType<typeof board>>, status: TaskStatus): Promise<TaskView> {
    const paths: Record<TaskStatus, TaskStatus[]> = {
      todo: [],
      in_progress: ['in_progress'],
      in_review: ['in_progress', 'in_review'],
      done: ['in_progress', 'in_review', 'done'],
      canceled: ['canceled'],
    };
    let task = await tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: `Task to ${status}` });
    for (const step of paths[status]) {
      task = await tasks.update(b.ws.id, task.id, b.as('owner'), task.version, { status: step });
    }
    return task;
  }

  it('numbers 100 tasks created in parallel in one project 1..100, without gaps or duplicates', async () => {
    const b = await board();

    const created = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: `Task ${i}` }),
      ),
    );

    expect(created.map((t) => t.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await eventsOf(prisma, b.ws.id, 'task.created')).toHaveLength(100);
  });

  it('creates a task in todo, version 1, with sanitized markdown, unique labels and a task.created event', async () => {
    const b = await board();

    const task = await tasks.create(b.ws.id, b.as('member'), {
      projectId: b.project.id,
      title: 'Compute',
      description: '# Plan\n<script>alert(1)</script><img src=x onerror="alert(2)">**bold** > quoted',
      labels: ['math', 'math', 'engine'],
      priority: 'high',
    });

    expect(task).toMatchObject({
      number: 1,
      status: 'todo',
      priority: 'high',
      version: 1,
      labels: ['math', 'engine'],
      description: '# Plan\n**bold** > quoted',
    });
    expect(task.description).not.toMatch(/script|onerror/);
    expect((await eventsOf(prisma, b.ws.id, 'task.created')).map((e) => e.data)).toEqual([
      { taskId: task.id, projectId: b.project.id, number: 1 },
    ]);
  });

  it('refuses a project of another workspace (422) and an assignee who is not a member (422)', async () => {
    const b = await board();
    const other = await board();
    const outsider = await arrange.outsider();

    expect(await outcome(tasks.create(b.ws.id, b.as('member'), { projectId: other.project.id, title: 'x' }))).toBe(
      'validation_failed',
    );
    expect(
      await outcome(
        tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: 'x', assigneeId: outsider }),
      ),
    ).toBe('validation_failed');
    const task = await tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: 'x' });
    expect(await outcome(tasks.update(b.ws.id, task.id, b.as('member'), 1, { assigneeId: outsider }))).toBe(
      'validation_failed',
    );
    // Any member (a viewer too) can be given a task.
    const assigned = await tasks.update(b.ws.id, task.id, b.as('member'), 1, { assigneeId: b.viewer });
    expect(assigned).toMatchObject({ assigneeId: b.viewer, version: 2 });
    expect((await eventsOf(prisma, b.ws.id, 'task.assigned')).map((e) => e.data)).toEqual([
      { taskId: task.id, assigneeId: b.viewer },
    ]);
  });

  describe('the state machine', () => {
    const allowed = Object.entries(TASK_TRANSITIONS).flatMap(([from, moves]) =>
      moves.map((move) => [from as TaskStatus, move.to, move.minimumRole ?? 'member'] as const),
    );

    it.each(allowed)('allows %s → %s (for at least a %s)', async (from, to, role) => {
      const b = await board();
      const task = await taskIn(b, from);

      const moved = await tasks.update(b.ws.id, task.id, b.as(role), task.version, { status: to });

      expect(moved).toMatchObject({ status: to, version: task.version + 1 });
      const changes = await eventsOf(prisma, b.ws.id, 'task.status_changed');
      expect(changes.at(-1)?.data).toEqual({ taskId: task.id, from, to });
    });

    const illegal = TASK_STATUSES.flatMap((from) =>
      TASK_STATUSES.filter((to) => to !== from && !TASK_TRANSITIONS[from].some((m) => m.to === to)).map(
        (to) => [from, to] as const,
      ),
    );

    it.each(illegal)('refuses %s → %s with 422 naming the allowed targets', async (from, to) => {
      const b = await board();
      const task = await taskIn(b, from);

      const error = await tasks.update(b.ws.id, task.id, b.as('owner'), task.version, { status: to }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'validation_failed',
        extensions: { allowedTargets: TASK_TRANSITIONS[from].map((m) => m.to) },
      });
      expect((await tasks.get(b.ws.id, task.id)).status).toBe(from);
    });

    it('lets only an admin (or the owner) reopen a canceled task', async () => {
      const b = await board();
      const task = await taskIn(b, 'canceled');

      const error = await tasks.update(b.ws.id, task.id, b.as('member'), task.version, { status: 'todo' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toMatchObject({ code: 'validation_failed', extensions: { allowedTargets: [] } });
      expect(await outcome(tasks.update(b.ws.id, task.id, b.as('admin'), task.version, { status: 'todo' }))).toBe(
        'resolved',
      );
    });
  });

  it('with one free WIP slot, of two simultaneous moves into in_progress exactly one wins (409 for the other)', async () => {
    const b = await board(2);
    await taskIn(b, 'in_progress');
    const [first, second] = [await taskIn(b, 'todo'), await taskIn(b, 'todo')];

    const outcomes = await Promise.all(
      [first, second].map((t) => outcome(tasks.update(b.ws.id, t.id, b.as('member'), 1, { status: 'in_progress' }))),
    );

    expect(outcomes.sort()).toEqual(['conflict', 'resolved']);
    expect(await prisma.task.count({ where: { projectId: b.project.id, status: 'in_progress' } })).toBe(2);
  });

  it('of 50 concurrent updates with the same If-Match version exactly one succeeds, the rest are precondition_failed', async () => {
    const b = await board();
    const task = await tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: 'Race' });

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        outcome(tasks.update(b.ws.id, task.id, b.as('member'), 1, { title: `Title ${i}` })),
      ),
    );

    expect(outcomes.filter((o) => o === 'resolved')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'precondition_failed')).toHaveLength(49);
    expect((await tasks.get(b.ws.id, task.id)).version).toBe(2);
    expect(await eventsOf(prisma, b.ws.id, 'task.updated')).toHaveLength(1);
  });

  it('soft-deletes (hidden from get and list, 404), restores (visible again), and a stale delete is a 412', async () => {
    const b = await board();
    const task = await tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: 'Doomed' });

    expect(await outcome(tasks.delete(b.ws.id, task.id, b.as('member'), 9))).toBe('precondition_failed');
    await tasks.delete(b.ws.id, task.id, b.as('member'), 1);

    expect(await outcome(tasks.get(b.ws.id, task.id))).toBe('not_found');
    expect(await outcome(tasks.update(b.ws.id, task.id, b.as('member'), 2, { title: 'x' }))).toBe('not_found');
    expect((await taskList.list(b.ws.id, { limit: 20 })).data).toEqual([]);
    expect(await outcome(tasks.delete(b.ws.id, task.id, b.as('member'), 2))).toBe('not_found');

    const restored = await tasks.restore(b.ws.id, task.id, b.as('member'));
    expect(restored).toMatchObject({ id: task.id, number: 1, version: 3 });
    expect((await taskList.list(b.ws.id, { limit: 20 })).data.map((t) => t.id)).toEqual([task.id]);
    expect(await outcome(tasks.restore(b.ws.id, task.id, b.as('member')))).toBe('conflict');
    expect(await eventsOf(prisma, b.ws.id, 'task.deleted')).toHaveLength(1);
    expect(await eventsOf(prisma, b.ws.id, 'task.restored')).toHaveLength(1);
  });

  it('refuses to delete a project with live tasks (409)', async () => {
    const b = await board();
    await tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: 'Alive' });

    expect(await outcome(projects.delete(b.ws.id, b.project.id, b.as('owner'), b.project.version))).toBe('conflict');
  });

  it('writes each event in the transaction of its change (same xmin), and none for a refused change', async () => {
    const b = await board(1);
    const task = await tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: 'Atomic' });
    const moved = await tasks.update(b.ws.id, task.id, b.as('member'), 1, { status: 'in_progress', title: 'Atomic!' });

    const [taskRow] = await prisma.$queryRaw<
      { xmin: string }[]
    >`SELECT xmin::text FROM tasks WHERE id = ${task.id}::uuid`;
    const eventRows = await prisma.$queryRaw<{ type: string; xmin: string }[]>`
      SELECT type, xmin::text FROM outbox_events
      WHERE workspace_id = ${b.ws.id}::uuid AND type IN ('task.updated', 'task.status_changed')`;
    expect(eventRows.map((e) => e.xmin)).toEqual([taskRow!.xmin, taskRow!.xmin]);
    expect(eventRows.find((e) => e.type === 'task.updated')).toBeDefined();
    const updated = await eventsOf(prisma, b.ws.id, 'task.updated');
    expect(updated[0]?.data).toEqual({ taskId: task.id, fields: ['title', 'status'] });

    const other = await tasks.create(b.ws.id, b.as('member'), { projectId: b.project.id, title: 'Blocked' });
    expect(await outcome(tasks.update(b.ws.id, other.id, b.as('member'), 1, { status: 'in_progress' }))).toBe(
      'conflict',
    );
    expect(await eventsOf(prisma, b.ws.id, 'task.status_changed')).toHaveLength(1);
    expect(moved.version).toBe(2);
  });

  it('lists with filters, sorts, and a keyset cursor that pages through every row once', async () => {
    const b = await board();
    const day = 86_400_000;
    const base = Date.UTC(2027, 0, 1);
    const priorities = ['none', 'low', 'medium', 'high', 'urgent'] as const;
    const created: TaskView[] = [];
    for (let i = 0; i < 12; i += 1) {
      created.push(
        await tasks.create(b.ws.id, b.as('member'), {
          projectId: b.project.id,
          title: i % 3 === 0 ? `Fix the Bridge ${i}` : `Paint ${i}`,
          priority: priorities[i % 5],
          labels: i % 2 === 0 ? ['even'] : ['odd'],
          assigneeId: i % 4 === 0 ? b.member : null,
          dueAt: i % 6 === 5 ? null : new Date(base + (i % 4) * day),
        }),
      );
    }

    async function all(query: Omit<TaskListParams, 'limit' | 'cursor'>, limit = 5) {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await taskList.list(b.ws.id, { ...query, limit, cursor });
        ids.push(...page.data.map((t) => t.id));
        cursor = page.page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return ids;
    }

    expect(await all({})).toEqual(created.map((t) => t.id).reverse());
    const byPriority = await all({ sort: '-priority' });
    expect(byPriority).toHaveLength(12);
    expect(byPriority.map((id) => created.find((t) => t.id === id)!.priority)).toEqual(
      [...created]
        .sort((x, y) => priorities.indexOf(y.priority) - priorities.indexOf(x.priority))
        .map((t) => t.priority),
    );
    const byDue = await all({ sort: 'dueAt' }, 4);
    expect(new Set(byDue).size).toBe(12);
    expect(byDue.slice(-2).map((id) => created.find((t) => t.id === id)!.dueAt)).toEqual([null, null]);
    expect(await all({ q: 'bridge' })).toHaveLength(4);
    // LIKE wildcards in q are literal characters, not patterns.
    expect(await all({ q: '%' })).toEqual([]);
    expect(await all({ q: 'Paint _' })).toEqual([]);
    expect(await all({ label: 'odd', assigneeId: b.member })).toEqual([]);
    expect(await all({ assigneeId: b.member })).toHaveLength(3);
    expect(await all({ priority: 'urgent' })).toHaveLength(2);
    expect(await all({ dueAfter: new Date(base + 2 * day), dueBefore: new Date(base + 3 * day) })).toHaveLength(5);

    expect(await outcome(taskList.list(b.ws.id, { limit: 5, sort: 'title' }))).toBe('validation_failed');
    expect(await outcome(taskList.list(b.ws.id, { limit: 5, cursor: 'not-a-cursor!' }))).toBe('invalid_cursor');
    const page = await taskList.list(b.ws.id, { limit: 5 });
    expect(await outcome(taskList.list(b.ws.id, { limit: 5, sort: 'dueAt', cursor: page.page.nextCursor! }))).toBe(
      'invalid_cursor',
    );
  });
});
