import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventJobId } from '@groundwork/platform';
import { eventually } from '../support/wait.js';
import {
  type Answer,
  type AuthEnvironment,
  expectProblem,
  loginBearer,
  registerVerified,
  type RequestOptions,
  startAuthEnvironment,
} from './auth-harness.js';

interface Person {
  id: string;
  email: string;
  token: string;
}

type Json = Record<string, unknown>;

/**
 * Projects, tasks and comments as deployed: the built api and worker, an SMTP server for the
 * task-assigned mail. One workspace with an owner, a member and a viewer (joined through the
 * database: invitations are another file's subject).
 */
describe('work: projects, tasks, comments over HTTP', () => {
  let env: AuthEnvironment;
  let owner: Person;
  let member: Person;
  let viewer: Person;
  let outsider: Person;
  let workspaceId: string;
  let foreignWorkspaceId: string;

  const as = (person: Person, method: string, path: string, options: RequestOptions = {}): Promise<Answer> =>
    env.request(method, path, { ...options, bearer: person.token });
  const body = (answer: Answer): Json => answer.json ?? {};
  const ifMatch = (etag: string | null) => ({ 'if-match': etag ?? '' });

  async function person(label: string, name: string): Promise<Person> {
    const user = await registerVerified(env, label, { name });
    const { accessToken } = await loginBearer(env, user.email);
    return { id: user.id, email: user.email, token: accessToken };
  }

  async function createWorkspace(by: Person, slug: string): Promise<string> {
    const answer = await as(by, 'POST', '/v1/workspaces', { body: { name: slug, slug } });
    expect(answer.status).toBe(201);
    return String(body(answer).id);
  }

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'work', mail: true });
    [owner, member, viewer, outsider] = await Promise.all([
      person('owner', 'Olivia Owner'),
      person('member', 'Mia Member'),
      person('viewer', 'Victor Viewer'),
      person('outsider', 'Oscar Outsider'),
    ]);
    workspaceId = await createWorkspace(owner, `work-${Date.now().toString(36)}`);
    foreignWorkspaceId = await createWorkspace(outsider, `other-${Date.now().toString(36)}`);
    await env.db.query(
      `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'member', now()), ($1, $3, 'viewer', now())`,
      [workspaceId, member.id, viewer.id],
    );
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  const projects = () => `/v1/workspaces/${workspaceId}/projects`;
  const tasks = () => `/v1/workspaces/${workspaceId}/tasks`;

  it('runs a project → tasks → moves → comments → delete/restore as the owner', async () => {
    const created = await as(owner, 'POST', projects(), { body: { name: 'Engine', key: 'ENG', wipLimit: 2 } });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toMatch(
      new RegExp(`/v1/workspaces/${workspaceId}/projects/[0-9a-f-]{36}$`),
    );
    const projectId = String(body(created).id);
    expect(body(created)).toMatchObject({ key: 'ENG', wipLimit: 2, version: 1 });
    expectProblem(await as(owner, 'POST', projects(), { body: { name: 'Dup', key: 'ENG' } }), 409);
    expectProblem(await as(owner, 'POST', projects(), { body: { name: 'Bad', key: 'eng' } }), 422);

    const first = await as(owner, 'POST', tasks(), {
      body: { projectId, title: 'Design', description: 'Plan <script>alert(1)</script>', labels: ['design'] },
    });
    const second = await as(owner, 'POST', tasks(), { body: { projectId, title: 'Build', priority: 'high' } });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(body(first)).toMatchObject({ number: 1, status: 'todo', description: 'Plan ', version: 1 });
    expect(body(second)).toMatchObject({ number: 2, priority: 'high' });
    const taskId = String(body(first).id);
    const task = (id: string) => `${tasks()}/${id}`;

    const moved = await as(owner, 'PATCH', task(taskId), {
      body: { status: 'in_progress' },
      headers: ifMatch(first.headers.get('etag')),
    });
    expect(moved.status).toBe(200);
    expect(moved.headers.get('etag')).toBe('"2"');
    const illegal = await as(owner, 'PATCH', task(taskId), { body: { status: 'done' }, headers: ifMatch('"2"') });
    expectProblem(illegal, 422);
    expect(body(illegal).allowedTargets).toEqual(['in_review', 'todo', 'canceled']);
    const reviewed = await as(owner, 'PUT', task(taskId), {
      body: {
        title: 'Design it',
        description: null,
        status: 'in_review',
        priority: 'low',
        assigneeId: null,
        labels: [],
        dueAt: '2030-01-01T00:00:00.000Z',
      },
      headers: ifMatch('"2"'),
    });
    expect(reviewed.status).toBe(200);
    expect(body(reviewed)).toMatchObject({
      title: 'Design it',
      status: 'in_review',
      dueAt: '2030-01-01T00:00:00.000Z',
      version: 3,
    });

    const comment = await as(owner, 'POST', `${task(taskId)}/comments`, { body: { body: 'Looks good <b>!</b>' } });
    expect(comment.status).toBe(201);
    expect(body(comment)).toMatchObject({ body: 'Looks good !', authorId: owner.id });
    const comments = await as(viewer, 'GET', `${task(taskId)}/comments`);
    expect((body(comments).data as Json[]).map((c) => c.id)).toEqual([body(comment).id]);

    const list = await as(viewer, 'GET', `${tasks()}?status=in_review&status=todo&sort=-priority&limit=1`);
    expect(list.status).toBe(200);
    expect((body(list).data as Json[]).map((t) => t.id)).toEqual([body(second).id]);
    expect(list.headers.get('link')).toMatch(/rel="next"/);
    expectProblem(await as(viewer, 'GET', `${tasks()}?sort=title`), 422);
    expectProblem(await as(viewer, 'GET', `${tasks()}?status=blocked`), 422);
    expectProblem(await as(viewer, 'GET', `${tasks()}?cursor=garbage`), 400);

    expect((await as(owner, 'DELETE', task(taskId), { headers: ifMatch('"3"') })).status).toBe(204);
    expectProblem(await as(owner, 'GET', task(taskId)), 404);
    const restored = await as(owner, 'POST', `${task(taskId)}/restore`);
    expect(restored.status).toBe(200);
    expect(body(restored)).toMatchObject({ id: taskId, status: 'in_review', version: 5 });
    expect((await as(owner, 'GET', task(taskId))).status).toBe(200);
  });

  it('lets a member write tasks and comments, and refuses every write of a viewer with 403', async () => {
    const project = await as(member, 'POST', projects(), { body: { name: 'Ops', key: 'OPS' } });
    expect(project.status).toBe(201);
    const projectId = String(body(project).id);
    const task = await as(member, 'POST', tasks(), { body: { projectId, title: 'Rotate keys' } });
    expect(task.status).toBe(201);
    const taskPath = `${tasks()}/${String(body(task).id)}`;
    const comment = await as(member, 'POST', `${taskPath}/comments`, { body: { body: 'On it' } });
    expect(comment.status).toBe(201);

    expectProblem(await as(viewer, 'POST', projects(), { body: { name: 'No', key: 'NOPE' } }), 403);
    expectProblem(await as(viewer, 'POST', tasks(), { body: { projectId, title: 'No' } }), 403);
    expectProblem(await as(viewer, 'PATCH', taskPath, { body: { title: 'No' }, headers: ifMatch('"1"') }), 403);
    expectProblem(await as(viewer, 'DELETE', taskPath, { headers: ifMatch('"1"') }), 403);
    expectProblem(await as(viewer, 'POST', `${taskPath}/comments`, { body: { body: 'No' } }), 403);
    // A member edits only their own comments: the owner's rule lives in the service (403).
    const ownerComment = await as(owner, 'POST', `${taskPath}/comments`, { body: { body: 'Mine' } });
    expectProblem(
      await as(member, 'PATCH', `${taskPath}/comments/${String(body(ownerComment).id)}`, { body: { body: 'x' } }),
      403,
    );
    expect((await as(viewer, 'GET', taskPath)).status).toBe(200);
  });

  it('answers ETag / If-None-Match with 304, a write without If-Match with 428, a stale one with 412', async () => {
    const project = await as(owner, 'POST', projects(), { body: { name: 'Cache', key: 'CCH' } });
    const projectPath = `${projects()}/${String(body(project).id)}`;
    const task = await as(owner, 'POST', tasks(), { body: { projectId: body(project).id, title: 'Tag me' } });
    const taskPath = `${tasks()}/${String(body(task).id)}`;

    const read = await as(owner, 'GET', taskPath);
    expect(read.headers.get('etag')).toBe('"1"');
    const notModified = await as(owner, 'GET', taskPath, { headers: { 'if-none-match': '"1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect((await as(owner, 'GET', projectPath, { headers: { 'if-none-match': '"1"' } })).status).toBe(304);

    expectProblem(await as(owner, 'PATCH', taskPath, { body: { title: 'x' } }), 428);
    expectProblem(await as(owner, 'DELETE', taskPath), 428);
    expectProblem(await as(owner, 'PATCH', projectPath, { body: { name: 'x' } }), 428);
    expect((await as(owner, 'PATCH', taskPath, { body: { title: 'Tagged' }, headers: ifMatch('"1"') })).status).toBe(
      200,
    );
    expectProblem(await as(owner, 'PATCH', taskPath, { body: { title: 'Lost update' }, headers: ifMatch('"1"') }), 412);
    expectProblem(await as(owner, 'PUT', taskPath, { body: {}, headers: ifMatch('"2"') }), 422);
    expect((await as(owner, 'GET', taskPath, { headers: { 'if-none-match': '"1"' } })).status).toBe(200);
    expectProblem(await as(owner, 'DELETE', projectPath, { headers: ifMatch('"1"') }), 409);
  });

  it('refuses null for task fields that cannot be cleared, and clears labels with []', async () => {
    const project = await as(owner, 'POST', projects(), { body: { name: 'Nulls', key: 'NUL' } });
    const task = await as(owner, 'POST', tasks(), {
      body: { projectId: body(project).id, title: 'Labelled', labels: ['a', 'b'] },
    });
    const taskPath = `${tasks()}/${String(body(task).id)}`;

    expectProblem(await as(owner, 'PATCH', taskPath, { body: { labels: null }, headers: ifMatch('"1"') }), 422);
    expectProblem(await as(owner, 'PATCH', taskPath, { body: { title: null }, headers: ifMatch('"1"') }), 422);
    const cleared = await as(owner, 'PATCH', taskPath, { body: { labels: [] }, headers: ifMatch('"1"') });

    expect(cleared.status).toBe(200);
    expect(body(cleared)).toMatchObject({ labels: [], title: 'Labelled', version: 2 });
  });

  it('answers 404 for a task of another workspace, through every route, and 422 for its project', async () => {
    const project = await as(outsider, 'POST', `/v1/workspaces/${foreignWorkspaceId}/projects`, {
      body: { name: 'Secret', key: 'SEC' },
    });
    const foreignTask = await as(outsider, 'POST', `/v1/workspaces/${foreignWorkspaceId}/tasks`, {
      body: { projectId: body(project).id, title: 'Hidden' },
    });
    expect(foreignTask.status).toBe(201);
    const foreignTaskId = String(body(foreignTask).id);

    expectProblem(await as(owner, 'GET', `${tasks()}/${foreignTaskId}`), 404);
    expectProblem(
      await as(owner, 'PATCH', `${tasks()}/${foreignTaskId}`, { body: { title: 'x' }, headers: ifMatch('"1"') }),
      404,
    );
    expectProblem(await as(owner, 'GET', `${tasks()}/${foreignTaskId}/comments`), 404);
    expectProblem(await as(owner, 'GET', `/v1/workspaces/${foreignWorkspaceId}/tasks/${foreignTaskId}`), 404);
    expectProblem(
      await as(owner, 'POST', tasks(), { body: { projectId: body(project).id, title: 'Into their project' } }),
      422,
    );
  });

  it('mails the assignee (task-assigned) when someone else assigns them, not on self-assignment', async () => {
    const project = await as(owner, 'POST', projects(), { body: { name: 'Mail', key: 'MAIL' } });
    const projectId = String(body(project).id);
    const assigned = await as(owner, 'POST', tasks(), {
      body: { projectId, title: 'Compute Bernoulli numbers', assigneeId: member.id },
    });
    expect(assigned.status).toBe(201);
    const self = await as(owner, 'POST', tasks(), { body: { projectId, title: 'My own', assigneeId: owner.id } });
    expect(self.status).toBe(201);
    expectProblem(await as(owner, 'POST', tasks(), { body: { projectId, title: 'x', assigneeId: outsider.id } }), 422);

    const mail = await env.smtp!.waitForMessageTo(
      member.email,
      '[MAIL-1] Compute Bernoulli numbers was assigned to you',
      20_000,
    );
    expect(mail.text).toContain('Olivia Owner assigned MAIL-1 to you');
    // The self-assignment's job ran to the end and chose not to mail.
    const { rows } = await env.db.query<{ id: string }>(
      `SELECT id FROM outbox_events WHERE type = 'task.assigned' AND data->>'taskId' = $1`,
      [body(self).id],
    );
    const queue = env.queue('email');
    const outcome = await eventually(async () => {
      const job = await queue.getJob(eventJobId('email', rows[0]!.id));
      return job?.finishedOn === undefined ? undefined : { result: job.returnvalue as unknown };
    }, 20_000);
    expect(outcome.result).toBe('skipped');
    const toOwner = await env.smtp!.waitForMessagesTo(owner.email, 0);
    expect(toOwner.filter((m) => m.subject.includes('assigned to you'))).toEqual([]);
  });
});
