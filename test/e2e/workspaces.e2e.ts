import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { eventJobId } from '@groundwork/platform';
import type { AppProcess } from '../support/app-process.js';
import { bearer, callJson, type JsonAnswer } from '../support/json-call.js';
import type { ReceivedMail, SmtpTestServer } from '../support/smtp-test-server.js';
import { type Stack, startStack } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const WEB_URL = 'http://web.test';
const PASSWORD = 'a perfectly fine passphrase';
const PROBLEM = /^application\/problem\+json/;
const VERIFY_LINK = /http:\/\/web\.test\/verify-email\?token=([A-Za-z0-9_-]+)/;
const INVITATION_LINK = /http:\/\/web\.test\/invitations\/([A-Za-z0-9_-]+)/;

interface Person {
  id: string;
  email: string;
  token: string;
}

function newEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

function linkToken(mail: ReceivedMail, pattern: RegExp): string {
  const match = pattern.exec(mail.text);
  if (!match?.[1]) throw new Error(`no ${String(pattern)} link in the text part:\n${mail.text}`);
  return match[1];
}

/**
 * Workspaces as deployed: the built api and worker, real PostgreSQL and Redis, and an SMTP
 * server inside the test for the invitation mail. Its own database, so no other file's worker
 * relays (and mails) this file's events.
 */
describe('workspaces, members and invitations (api, worker, SMTP)', () => {
  let stack: Stack;
  let db: pg.Pool;
  let queue: Queue;
  let smtp: SmtpTestServer;
  let api: AppProcess;

  beforeAll(async () => {
    stack = await startStack({
      label: 'workspaces',
      apis: 1,
      workers: 1,
      mail: 'smtp',
      env: { APP_WEB_URL: WEB_URL, JOB_BACKOFF_MS: '100' },
    });
    ({ db, api, smtp } = stack);
    queue = stack.queue('email');
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> =>
    callJson(`${api.url}${path}`, method, { authorization: bearer(token), body });

  async function login(email: string): Promise<string> {
    const answer = await call('POST', '/v1/auth/login', undefined, { email, password: PASSWORD });
    expect(answer.status).toBe(200);
    return (answer.body as { accessToken: string }).accessToken;
  }

  /** Registers an address that already has mail (an invitation), verified directly in the database. */
  async function signUpWithEmail(email: string): Promise<Person> {
    expect(
      (await call('POST', '/v1/auth/register', undefined, { email, password: PASSWORD, name: 'late' })).status,
    ).toBe(201);
    await db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email]);
    return { id: rows[0]!.id, email, token: await login(email) };
  }

  /** Registers through the api; verifies through the mailed link when asked, else directly in the database. */
  async function signUp(label: string, { verifyByMail = false } = {}): Promise<Person> {
    const email = newEmail(label);
    expect(
      (await call('POST', '/v1/auth/register', undefined, { email, password: PASSWORD, name: label })).status,
    ).toBe(201);
    if (verifyByMail) {
      const [mail] = await smtp.waitForMessagesTo(email, 1, 15_000);
      const verified = await call('POST', '/v1/auth/verify-email', undefined, { token: linkToken(mail!, VERIFY_LINK) });
      expect(verified.status).toBe(204);
    } else {
      await db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]);
    }
    const { rows } = await db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email]);
    return { id: rows[0]!.id, email, token: await login(email) };
  }

  async function createWorkspace(owner: Person, label: string): Promise<string> {
    const slug = `${label}-${randomBytes(4).toString('hex')}`;
    const answer = await call('POST', '/v1/workspaces', owner.token, { name: label, slug });
    expect(answer.status).toBe(201);
    return (answer.body as { id: string }).id;
  }

  it('creating a workspace answers 201 with Location, makes the caller owner, and a taken slug is a 409 problem', async () => {
    const ada = await signUp('ada');
    const slug = `acme-${randomBytes(4).toString('hex')}`;

    const created = await call('POST', '/v1/workspaces', ada.token, { name: 'Acme', slug });
    const clash = await call('POST', '/v1/workspaces', ada.token, { name: 'Acme again', slug });
    const badSlug = await call('POST', '/v1/workspaces', ada.token, { name: 'Acme', slug: 'Not A Slug' });

    expect(created.status).toBe(201);
    const workspace = created.body as { id: string; role: string; slug: string };
    expect(workspace).toMatchObject({ name: 'Acme', slug, role: 'owner' });
    expect(created.headers.get('location')).toMatch(new RegExp(`/v1/workspaces/${workspace.id}$`));
    expect(clash.status).toBe(409);
    expect(clash.headers.get('content-type')).toMatch(PROBLEM);
    expect(badSlug.status).toBe(422);
    const mine = await call('GET', '/v1/workspaces', ada.token);
    expect(mine.body).toMatchObject({ data: [{ id: workspace.id, role: 'owner' }], page: { nextCursor: null } });
  });

  it('an invitation is mailed with its link; the invitee accepts it and appears among the members with the role', async () => {
    const owner = await signUp('owner');
    const workspaceId = await createWorkspace(owner, 'invite');
    const invitee = await signUp('grace', { verifyByMail: true });

    const invited = await call('POST', `/v1/workspaces/${workspaceId}/invitations`, owner.token, {
      email: invitee.email,
      role: 'member',
    });
    expect(invited.status).toBe(201);
    const invitation = invited.body as { id: string };
    expect(invited.headers.get('location')).toMatch(
      new RegExp(`/v1/workspaces/${workspaceId}/invitations/${invitation.id}$`),
    );
    // The invitee also got a verification mail; the two may arrive in either order.
    const mail = await smtp.waitForMessageTo(invitee.email, 'owner invited you to invite', 15_000);
    const token = linkToken(mail, INVITATION_LINK);

    const accepted = await call('POST', `/v1/invitations/${token}/accept`, invitee.token);
    const again = await call('POST', `/v1/invitations/${token}/accept`, invitee.token);

    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: workspaceId, role: 'member' });
    expect(again.status).toBe(400);
    const members = await call('GET', `/v1/workspaces/${workspaceId}/members`, owner.token);
    expect(members.status).toBe(200);
    expect((members.body as { data: unknown[] }).data).toEqual([
      expect.objectContaining({ userId: owner.id, role: 'owner' }),
      expect.objectContaining({ userId: invitee.id, email: invitee.email, name: 'grace', role: 'member' }),
    ]);
  });

  it('an invitation accepted by an account with another email is a 403', async () => {
    const owner = await signUp('owner');
    const workspaceId = await createWorkspace(owner, 'bound');
    const invitedEmail = newEmail('invited');
    const mallory = await signUp('mallory');

    expect(
      (
        await call('POST', `/v1/workspaces/${workspaceId}/invitations`, owner.token, {
          email: invitedEmail,
          role: 'admin',
        })
      ).status,
    ).toBe(201);
    const [mail] = await smtp.waitForMessagesTo(invitedEmail, 1, 15_000);

    const answer = await call('POST', `/v1/invitations/${linkToken(mail!, INVITATION_LINK)}/accept`, mallory.token);

    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
  });

  it('a member of another workspace gets 404 on this workspace’s routes; a viewer gets 403 on PATCH members', async () => {
    const owner = await signUp('owner');
    const workspaceId = await createWorkspace(owner, 'private');
    const outsider = await signUp('outsider');
    await createWorkspace(outsider, 'elsewhere');
    const viewer = await signUp('viewer');
    await db.query(
      `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'viewer', now())`,
      [workspaceId, viewer.id],
    );

    const outsiderAnswers = await Promise.all([
      call('GET', `/v1/workspaces/${workspaceId}`, outsider.token),
      call('GET', `/v1/workspaces/${workspaceId}/members`, outsider.token),
      call('PATCH', `/v1/workspaces/${workspaceId}/members/${viewer.id}`, outsider.token, { role: 'admin' }),
      call('POST', `/v1/workspaces/${workspaceId}/invitations`, outsider.token, {
        email: newEmail('x'),
        role: 'viewer',
      }),
    ]);
    const viewerPatch = await call('PATCH', `/v1/workspaces/${workspaceId}/members/${viewer.id}`, viewer.token, {
      role: 'admin',
    });
    const viewerRead = await call('GET', `/v1/workspaces/${workspaceId}`, viewer.token);

    expect(outsiderAnswers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    expect(viewerPatch.status).toBe(403);
    expect(viewerPatch.headers.get('content-type')).toMatch(PROBLEM);
    expect(viewerRead.status).toBe(200);
    expect(viewerRead.body).toMatchObject({ id: workspaceId, role: 'viewer' });
  });

  it('the owner cannot be demoted nor delete their account (409); transfer-ownership swaps the roles; the old owner can then leave and delete it', async () => {
    const ada = await signUp('ada');
    const grace = await signUp('grace');
    const workspaceId = await createWorkspace(ada, 'handover');
    await db.query(
      `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'admin', now())`,
      [workspaceId, grace.id],
    );

    const deleteWhileOwner = await call('DELETE', '/v1/me', ada.token);
    const demote = await call('PATCH', `/v1/workspaces/${workspaceId}/members/${ada.id}`, grace.token, {
      role: 'member',
    });
    const transfer = await call('POST', `/v1/workspaces/${workspaceId}/transfer-ownership`, ada.token, {
      userId: grace.id,
    });
    const leave = await call('DELETE', `/v1/workspaces/${workspaceId}/members/${ada.id}`, ada.token);

    expect(deleteWhileOwner.status).toBe(409);
    expect(demote.status).toBe(409);
    expect(transfer.status).toBe(200);
    expect(transfer.body).toEqual({ workspaceId, ownerId: grace.id, previousOwnerId: ada.id });
    expect(leave.status).toBe(204);
    const members = await call('GET', `/v1/workspaces/${workspaceId}/members`, grace.token);
    expect((members.body as { data: { userId: string; role: string }[] }).data.map((m) => [m.userId, m.role])).toEqual([
      [grace.id, 'owner'],
    ]);
    expect((await call('DELETE', '/v1/me', ada.token)).status).toBe(204);
  });

  it('a greylisted invitation mail is retried and arrives once; replaying its job after the send neither mails nor re-issues the token', async () => {
    const owner = await signUp('owner');
    const workspaceId = await createWorkspace(owner, 'retry');
    const email = newEmail('greylisted');
    smtp.refuseFirstAttempt(email, { stage: 'data', code: 451 });

    const invited = await call('POST', `/v1/workspaces/${workspaceId}/invitations`, owner.token, {
      email,
      role: 'viewer',
    });
    expect(invited.status).toBe(201);
    const invitationId = (invited.body as { id: string }).id;
    const [mail] = await smtp.waitForMessagesTo(email, 1, 15_000);
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM outbox_events WHERE type = 'invitation.created' AND data->>'invitationId' = $1`,
      [invitationId],
    );
    const jobId = eventJobId('email', rows[0]!.id);
    await eventually(async () => (await queue.getJobState(jobId)) === 'completed', 15_000, 50);
    const hashOf = async () =>
      (await db.query<{ token_hash: string }>('SELECT token_hash FROM invitations WHERE id = $1', [invitationId]))
        .rows[0]!.token_hash;
    const hashAfterSend = await hashOf();

    const original = await queue.getJob(jobId);
    const replay = await queue.add(original!.name, original!.data, { jobId: `${jobId}_replay` });
    await eventually(async () => (await queue.getJobState(replay.id!)) === 'completed', 15_000, 50);

    expect(smtp.attempts(email)).toBe(2);
    expect(smtp.messagesTo(email)).toHaveLength(1);
    expect((await queue.getJob(replay.id!))!.returnvalue).toBe('already-sent');
    expect(await hashOf()).toBe(hashAfterSend);
    // The link in the one mail that arrived is the live one (the refused attempt's token was replaced).
    const invitee = await signUpWithEmail(email);
    const accepted = await call('POST', `/v1/invitations/${linkToken(mail!, INVITATION_LINK)}/accept`, invitee.token);
    expect(accepted.status).toBe(200);
  }, 40_000);
});
