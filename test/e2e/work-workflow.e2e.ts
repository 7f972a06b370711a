import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Client,
  createComment,
  createGroundworkClient,
  createProject,
  createTask,
  createWorkspace,
  deleteTask,
  getTask,
  getTaskV2,
  listComments,
  listTasks,
  login,
  register,
  restoreTask,
  updateTask,
} from '@groundwork/api-client';
import { type AuthEnvironment, newClientIp, newEmail, PASSWORD, startAuthEnvironment } from './auth-harness.js';

/**
 * The work domain as a consumer sees it: the whole workflow — workspace → project → tasks →
 * moves → comments → delete/restore — driven through the generated client by an owner, a
 * member and a viewer of one workspace, against the built api.
 */
describe('the work workflow through the generated client (owner, member, viewer)', () => {
  let env: AuthEnvironment;
  const clients: Record<'owner' | 'member' | 'viewer', Client> = {} as Record<'owner' | 'member' | 'viewer', Client>;
  const userIds: Record<'owner' | 'member' | 'viewer', string> = { owner: '', member: '', viewer: '' };
  let workspaceId: string;
  let projectId: string;
  let taskId: string;

  async function person(role: 'owner' | 'member' | 'viewer'): Promise<void> {
    const email = newEmail(`workflow-${role}`);
    const anonymous = createGroundworkClient({ baseUrl: env.api.url, headers: { 'x-forwarded-for': newClientIp() } });
    const registered = await register({ client: anonymous, body: { email, password: PASSWORD, name: role } });
    expect(registered.response?.status).toBe(201);
    const row = await env.db.query<{ id: string }>(
      'UPDATE users SET email_verified_at = now() WHERE email = $1 RETURNING id',
      [email],
    );
    userIds[role] = row.rows[0]?.id ?? '';
    const { data } = await login({ client: anonymous, body: { email, password: PASSWORD } });
    if (!data || !('accessToken' in data)) throw new Error('login gave no tokens');
    clients[role] = createGroundworkClient({
      baseUrl: env.api.url,
      token: data.accessToken,
      headers: { 'x-forwarded-for': newClientIp() },
    });
  }

  /** The current ETag of the task, as a client reads it before a conditional write. */
  async function etagOf(client: Client, id: string): Promise<string> {
    const { response } = await getTask({ client, path: { workspaceId, taskId: id } });
    return response?.headers.get('etag') ?? '';
  }

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'workflow' });
    await person('owner');
    await person('member');
    await person('viewer');
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('the owner creates a workspace and a project (idempotently), and the team joins', async () => {
    const workspace = await createWorkspace({
      client: clients.owner,
      body: { name: 'Analytical Engines', slug: `engines-${userIds.owner.slice(-8)}` },
    });
    expect(workspace.response?.status).toBe(201);
    workspaceId = workspace.data?.id ?? '';
    // Membership is arranged directly: invitations by mail have their own e2e suite.
    for (const role of ['member', 'viewer'] as const) {
      await env.db.query(
        'INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, $3, now())',
        [workspaceId, userIds[role], role],
      );
    }
    const body = { name: 'Difference Engine', key: 'DIFF', wipLimit: 2 };
    const headers = { 'Idempotency-Key': `project-${workspaceId}` };
    const first = await createProject({ client: clients.owner, path: { workspaceId }, body, headers });
    const again = await createProject({ client: clients.owner, path: { workspaceId }, body, headers });
    expect(first.response?.status).toBe(201);
    expect(again.response?.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data?.id).toBe(first.data?.id);
    projectId = first.data?.id ?? '';
  });

  it('a member creates tasks with consecutive numbers; a viewer may read but not write', async () => {
    const created = [];
    for (const title of ['Design the mill', 'Punch the cards']) {
      const task = await createTask({ client: clients.member, path: { workspaceId }, body: { projectId, title } });
      expect(task.response?.status).toBe(201);
      created.push(task.data);
    }
    expect(created.map((t) => t?.number)).toEqual([1, 2]);
    taskId = created[0]?.id ?? '';

    const list = await listTasks({ client: clients.viewer, path: { workspaceId } });
    expect(list.response?.status).toBe(200);
    expect(list.data?.data.map((t) => t.title).sort()).toEqual(['Design the mill', 'Punch the cards']);
    const refused = await createTask({
      client: clients.viewer,
      path: { workspaceId },
      body: { projectId, title: 'No' },
    });
    expect(refused.response?.status).toBe(403);
  });

  it('moves a task through the workflow with If-Match; an illegal move names the allowed targets', async () => {
    for (const status of ['in_progress', 'in_review', 'done'] as const) {
      const moved = await updateTask({
        client: clients.member,
        path: { workspaceId, taskId },
        headers: { 'If-Match': await etagOf(clients.member, taskId) },
        body: { status },
      });
      expect(moved.response?.status).toBe(200);
      expect(moved.data?.status).toBe(status);
    }
    const illegal = await updateTask({
      client: clients.member,
      path: { workspaceId, taskId },
      headers: { 'If-Match': await etagOf(clients.member, taskId) },
      body: { status: 'todo' },
    });
    expect(illegal.response?.status).toBe(422);
    expect(illegal.error).toMatchObject({ allowedTargets: ['in_progress'] });

    const stale = await updateTask({
      client: clients.member,
      path: { workspaceId, taskId },
      headers: { 'If-Match': '"1"' },
      body: { title: 'Too late' },
    });
    expect(stale.response?.status).toBe(412);
  });

  it('members comment; the viewer reads the comments but cannot add one', async () => {
    const comment = await createComment({
      client: clients.member,
      path: { workspaceId, taskId },
      body: { body: 'Done <script>alert(1)</script>**well**' },
    });
    expect(comment.response?.status).toBe(201);
    expect(comment.data?.body).not.toContain('<script>');
    const read = await listComments({ client: clients.viewer, path: { workspaceId, taskId } });
    expect(read.data?.data).toHaveLength(1);
    const refused = await createComment({
      client: clients.viewer,
      path: { workspaceId, taskId },
      body: { body: 'Hi' },
    });
    expect(refused.response?.status).toBe(403);
  });

  it('the owner deletes the task (gone from reads) and restores it; v2 shows its key', async () => {
    const deleted = await deleteTask({
      client: clients.owner,
      path: { workspaceId, taskId },
      headers: { 'If-Match': await etagOf(clients.owner, taskId) },
    });
    expect(deleted.response?.status).toBe(204);
    expect((await getTask({ client: clients.viewer, path: { workspaceId, taskId } })).response?.status).toBe(404);

    const restored = await restoreTask({ client: clients.owner, path: { workspaceId, taskId } });
    expect(restored.response?.status).toBe(200);
    const v2 = await getTaskV2({ client: clients.viewer, path: { workspaceId, taskId } });
    expect(v2.data).toMatchObject({ key: 'DIFF-1', status: 'done', assignee: null });
  });
});
