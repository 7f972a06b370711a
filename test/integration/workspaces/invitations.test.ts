import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@groundwork/platform';
import { INVITATION_TTL_MS, InvitationsService, WorkspacesService } from '@groundwork/workspaces';
import {
  actor,
  addMember,
  eventsOf,
  outcome,
  People,
  rolesOf,
  uniqueSlug,
  workspacesTestingModule,
} from './workspaces-fixtures.js';

const DAY_MS = 86_400_000;

describe('InvitationsService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let invitations: InvitationsService;
  let workspaces: WorkspacesService;
  let people: People;
  const workspaceIds: string[] = [];

  async function newWorkspace(): Promise<{ id: string; owner: string }> {
    const owner = await people.create('Owner');
    const workspace = await workspaces.create(owner.id, { name: 'Acme', slug: uniqueSlug() });
    workspaceIds.push(workspace.id);
    return { id: workspace.id, owner: owner.id };
  }

  /** An invitation for a fresh, registered invitee, with its mailed token. */
  async function invited(role: 'admin' | 'member' | 'viewer' = 'member', now = new Date()) {
    const { id, owner } = await newWorkspace();
    const invitee = await people.create('Invitee');
    const invitation = await invitations.create(id, actor(owner, 'owner'), { email: invitee.email, role }, now);
    const token = await invitations.issueToken(invitation.id, now);
    if (token === undefined) throw new Error('no token issued');
    return { workspaceId: id, owner, invitee, invitation, token };
  }

  beforeAll(async () => {
    moduleRef = await workspacesTestingModule();
    prisma = moduleRef.get(PrismaService);
    invitations = moduleRef.get(InvitationsService);
    workspaces = moduleRef.get(WorkspacesService);
    people = new People(prisma);
  });

  afterAll(async () => {
    await people.cleanUp(workspaceIds);
    await moduleRef.close();
  });

  it('create stores a pending invitation expiring in 7 days, without a token, and publishes invitation.created', async () => {
    const { id, owner } = await newWorkspace();
    const now = new Date('2026-05-01T12:00:00.000Z');

    const invitation = await invitations.create(
      id,
      actor(owner, 'owner'),
      { email: ' grace@EXAMPLE.com', role: 'admin' },
      now,
    );

    expect(invitation).toMatchObject({
      workspaceId: id,
      email: 'grace@example.com',
      role: 'admin',
      invitedById: owner,
    });
    expect(invitation.expiresAt).toEqual(new Date(now.getTime() + INVITATION_TTL_MS));
    expect(INVITATION_TTL_MS).toBe(7 * DAY_MS);
    const row = await prisma.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.tokenHash).toBeNull();
    const events = await eventsOf(prisma, id, 'invitation.created');
    expect(events).toMatchObject([{ visibility: 'internal', actorId: owner, data: { invitationId: invitation.id } }]);
  });

  it('refuses owner invitations (422) and roles above the inviter’s (403)', async () => {
    const { id, owner } = await newWorkspace();
    const member = await people.create('Member');
    await addMember(prisma, id, member.id, 'member');

    expect(
      await outcome(invitations.create(id, actor(owner, 'owner'), { email: 'x@example.com', role: 'owner' })),
    ).toBe('validation_failed');
    expect(
      await outcome(invitations.create(id, actor(member.id, 'member'), { email: 'x@example.com', role: 'admin' })),
    ).toBe('forbidden');
    expect(await prisma.invitation.count({ where: { workspaceId: id } })).toBe(0);
  });

  it('inviting an existing member is a 409; inviting an address again replaces its pending invitation', async () => {
    const { id, owner } = await newWorkspace();
    const member = await people.create('Member');
    await addMember(prisma, id, member.id, 'viewer');

    expect(await outcome(invitations.create(id, actor(owner, 'owner'), { email: member.email, role: 'admin' }))).toBe(
      'conflict',
    );
    const first = await invitations.create(id, actor(owner, 'owner'), { email: 'new@example.com', role: 'viewer' });
    const second = await invitations.create(id, actor(owner, 'owner'), { email: 'new@example.com', role: 'member' });

    const pending = await invitations.listPending(id, 10);
    expect(pending.data.map((i) => [i.id, i.role])).toEqual([[second.id, 'member']]);
    expect(await outcome(invitations.get(id, first.id))).toBe('not_found');
  });

  it('issueToken stores only the SHA-256 of a 256-bit token', async () => {
    const { invitation, token } = await invited();

    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await prisma.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it('accept joins the invitee with the invited role, spends the token, publishes member.added and audits it', async () => {
    const { workspaceId, invitee, invitation, token } = await invited('viewer');

    const workspace = await invitations.accept(token, invitee.id);

    expect(workspace).toMatchObject({ id: workspaceId, role: 'viewer' });
    expect((await rolesOf(prisma, workspaceId))[invitee.id]).toBe('viewer');
    const row = await prisma.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row).toMatchObject({ acceptedBy: invitee.id });
    expect(row.acceptedAt).toBeInstanceOf(Date);
    const added = await eventsOf(prisma, workspaceId, 'member.added');
    expect(added.at(-1)).toMatchObject({ actorId: invitee.id, data: { userId: invitee.id, role: 'viewer' } });
    const audit = await prisma.auditEvent.findFirst({ where: { workspaceId, action: 'invitation.accepted' } });
    expect(audit).toMatchObject({ actorId: invitee.id, details: { invitationId: invitation.id, role: 'viewer' } });
  });

  it('a reused token is refused (400) and adds nobody', async () => {
    const { workspaceId, invitee, token } = await invited();
    await invitations.accept(token, invitee.id);
    await prisma.membership.delete({ where: { workspaceId_userId: { workspaceId, userId: invitee.id } } });

    expect(await outcome(invitations.accept(token, invitee.id))).toBe('invalid_token');
    expect((await rolesOf(prisma, workspaceId))[invitee.id]).toBeUndefined();
  });

  it('an expired invitation is refused (400)', async () => {
    // Invited (and mailed) eight days ago: the token was issued while the invitation was valid.
    const { invitee, token } = await invited('member', new Date(Date.now() - 8 * DAY_MS));

    expect(await outcome(invitations.accept(token, invitee.id, new Date()))).toBe('invalid_token');
  });

  it('a caller whose email is not the invited one gets 403, and the invitation stays usable by the invitee', async () => {
    const { workspaceId, invitee, token } = await invited();
    const someoneElse = await people.create('Mallory');

    expect(await outcome(invitations.accept(token, someoneElse.id))).toBe('forbidden');
    expect((await rolesOf(prisma, workspaceId))[someoneElse.id]).toBeUndefined();
    expect(await outcome(invitations.accept(token, invitee.id))).toBe('resolved');
  });

  it('an invitee who is already a member gets 409 and their role is unchanged', async () => {
    const { workspaceId, invitee, token } = await invited('admin');
    await addMember(prisma, workspaceId, invitee.id, 'viewer');

    expect(await outcome(invitations.accept(token, invitee.id))).toBe('conflict');
    expect((await rolesOf(prisma, workspaceId))[invitee.id]).toBe('viewer');
  });

  it('of concurrent accepts with one token, exactly one succeeds', async () => {
    const { workspaceId, invitee, token } = await invited();

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => outcome(invitations.accept(token, invitee.id))));

    expect(outcomes.filter((o) => o === 'resolved')).toHaveLength(1);
    expect(await prisma.membership.count({ where: { workspaceId, userId: invitee.id } })).toBe(1);
  });

  it('a malformed token is refused before any lookup; a revoked invitation can no longer be accepted', async () => {
    const { workspaceId, owner, invitee, invitation, token } = await invited();

    expect(await outcome(invitations.accept('not a token', invitee.id))).toBe('invalid_token');
    await invitations.revoke(workspaceId, actor(owner, 'owner'), invitation.id);

    expect(await outcome(invitations.accept(token, invitee.id))).toBe('invalid_token');
    expect(await outcome(invitations.revoke(workspaceId, actor(owner, 'owner'), invitation.id))).toBe('not_found');
    expect(await invitations.forMail(invitation.id)).toBeUndefined();
  });
});
