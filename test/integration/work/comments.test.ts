import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@groundwork/platform';
import { CommentsService, ProjectsService, sanitizeMarkdown, TasksService } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { actor, eventsOf, outcome, WorkArrangement, workTestingModule } from './work-fixtures.js';

describe('CommentsService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let comments: CommentsService;
  let tasks: TasksService;
  let projects: ProjectsService;
  let arrange: WorkArrangement;

  beforeAll(async () => {
    moduleRef = await workTestingModule();
    prisma = moduleRef.get(PrismaService);
    comments = moduleRef.get(CommentsService);
    tasks = moduleRef.get(TasksService);
    projects = moduleRef.get(ProjectsService);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
  });

  afterAll(async () => {
    await arrange.cleanUp();
    await moduleRef.close();
  });

  async function taskWithPeople() {
    const ws = await arrange.workspace('admin', 'member', 'member');
    const [admin, alice, bob] = ws.others as [string, string, string];
    const project = await projects.create(ws.id, actor(ws.owner, 'owner'), { name: 'P', key: 'PRJ' });
    const task = await tasks.create(ws.id, actor(alice, 'member'), { projectId: project.id, title: 'Discuss' });
    return { ws, admin, alice, bob, task };
  }

  it('adds a sanitized comment with a comment.created event, and lists comments oldest first', async () => {
    const { ws, alice, bob, task } = await taskWithPeople();

    const first = await comments.create(ws.id, task.id, actor(alice, 'member'), 'LGTM <script>steal()</script>');
    const second = await comments.create(ws.id, task.id, actor(bob, 'member'), '<img src=x onerror=alert(1)>Agreed');

    expect(first).toMatchObject({ authorId: alice, body: 'LGTM ', editedAt: null });
    expect(second.body).toBe('Agreed');
    const page = await comments.list(ws.id, task.id, 1);
    const next = await comments.list(ws.id, task.id, 1, page.page.nextCursor ?? undefined);
    expect([...page.data, ...next.data].map((c) => c.id)).toEqual([first.id, second.id]);
    expect((await eventsOf(prisma, ws.id, 'comment.created')).map((e) => e.data)).toEqual([
      { commentId: first.id, taskId: task.id },
      { commentId: second.id, taskId: task.id },
    ]);
  });

  it('lets only the author edit a comment; the author or an admin delete it (403 for other members)', async () => {
    const { ws, admin, alice, bob, task } = await taskWithPeople();
    const comment = await comments.create(ws.id, task.id, actor(alice, 'member'), 'First draft');

    expect(await outcome(comments.update(ws.id, task.id, comment.id, actor(bob, 'member'), 'hijacked'))).toBe(
      'forbidden',
    );
    expect(await outcome(comments.update(ws.id, task.id, comment.id, actor(admin, 'admin'), 'moderated'))).toBe(
      'forbidden',
    );
    const edited = await comments.update(ws.id, task.id, comment.id, actor(alice, 'member'), 'Second draft');
    expect(edited).toMatchObject({ body: 'Second draft', editedAt: expect.any(Date) });

    expect(await outcome(comments.delete(ws.id, task.id, comment.id, actor(bob, 'member')))).toBe('forbidden');
    await comments.delete(ws.id, task.id, comment.id, actor(admin, 'admin'));
    const own = await comments.create(ws.id, task.id, actor(bob, 'member'), 'mine');
    await comments.delete(ws.id, task.id, own.id, actor(bob, 'member'));
    expect((await comments.list(ws.id, task.id, 10)).data).toEqual([]);
  });

  it('writes comment.updated and comment.deleted events with the edit and the deletion, naming the comment only', async () => {
    const { ws, alice, task } = await taskWithPeople();
    const comment = await comments.create(ws.id, task.id, actor(alice, 'member'), 'draft');

    await comments.update(ws.id, task.id, comment.id, actor(alice, 'member'), 'final');
    await comments.delete(ws.id, task.id, comment.id, actor(alice, 'member'));

    const expected = [{ commentId: comment.id, taskId: task.id }];
    expect((await eventsOf(prisma, ws.id, 'comment.updated')).map((e) => e.data)).toEqual(expected);
    expect((await eventsOf(prisma, ws.id, 'comment.deleted')).map((e) => e.data)).toEqual(expected);
  });

  it('hides the comments of a deleted task (404) and of another workspace’s task (404)', async () => {
    const { ws, alice, task } = await taskWithPeople();
    const other = await taskWithPeople();
    const comment = await comments.create(ws.id, task.id, actor(alice, 'member'), 'hello');

    expect(await outcome(comments.list(other.ws.id, task.id, 10))).toBe('not_found');
    expect(await outcome(comments.update(ws.id, other.task.id, comment.id, actor(alice, 'member'), 'x'))).toBe(
      'not_found',
    );
    await tasks.delete(ws.id, task.id, actor(alice, 'member'), task.version);
    expect(await outcome(comments.list(ws.id, task.id, 10))).toBe('not_found');
    expect(await outcome(comments.create(ws.id, task.id, actor(alice, 'member'), 'x'))).toBe('not_found');
  });

  it('sanitization strips <script> (with its content), event handlers like onerror=, and every other tag', () => {
    expect(sanitizeMarkdown('a<script>alert(1)</script>b')).toBe('ab');
    expect(sanitizeMarkdown('<img src=x onerror="alert(1)">x')).toBe('x');
    expect(sanitizeMarkdown('<a href="javascript:alert(1)" onclick="x()">link</a>')).toBe('link');
    expect(sanitizeMarkdown('<scr<script>ipt>alert(1)</script>')).not.toMatch(/<script/i);
    // Markdown survives: block quotes, emphasis, code, ampersands; a lone `<` stays escaped.
    expect(sanitizeMarkdown('> quote\n**bold** `code` & more; 1 < 2')).toBe(
      '> quote\n**bold** `code` & more; 1 &lt; 2',
    );
  });
});
