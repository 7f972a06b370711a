import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { AccountService } from '@groundwork/identity';
import { PrismaService } from '@groundwork/platform';
import { MembersService, WorkspaceAccess, WorkspacesService } from '@groundwork/workspaces';
import { actor, addMember, People, uniqueSlug, workspacesTestingModule } from './workspaces-fixtures.js';

/**
 * The access guard asks `WorkspaceAccess.roleOf` on every workspace request; it remembers roles
 * in process under the members namespace's version. Two testing modules stand for two api
 * instances (each its own memory, one PostgreSQL and one Redis): a change committed through
 * either must count on the other's very next check, as it did when every check read the row.
 */
describe('WorkspaceAccess: remembered roles, never stale after a committed change', () => {
  let a: TestingModule;
  let b: TestingModule;
  let prisma: PrismaService;
  let people: People;
  const workspaceIds: string[] = [];

  async function arrange(): Promise<{ id: string; owner: string; member: string }> {
    const owner = await people.create('Owner');
    const member = await people.create('Member');
    const workspace = await b.get(WorkspacesService).create(owner.id, { name: 'Acme', slug: uniqueSlug() });
    workspaceIds.push(workspace.id);
    await addMember(prisma, workspace.id, member.id, 'member');
    return { id: workspace.id, owner: owner.id, member: member.id };
  }

  beforeAll(async () => {
    a = await workspacesTestingModule();
    b = await workspacesTestingModule();
    prisma = a.get(PrismaService);
    people = new People(prisma);
  });

  afterAll(async () => {
    await prisma.outboxEvent.deleteMany({ where: { type: 'user.deleted', actorId: { in: people.ids } } });
    await people.cleanUp(workspaceIds);
    await a.close();
    await b.close();
  });

  it('remembers a role: a row changed behind its back (no bump) is not re-read', async () => {
    const { id, member } = await arrange();
    const access = a.get(WorkspaceAccess);
    expect(await access.roleOf(id, member)).toBe('member');

    await prisma.membership.update({
      where: { workspaceId_userId: { workspaceId: id, userId: member } },
      data: { role: 'viewer' },
    });

    expect(await access.roleOf(id, member)).toBe('member');
    await access.membershipsChanged(id);
    expect(await access.roleOf(id, member)).toBe('viewer');
  });

  it('a role change or a removal on one instance counts on the other at once', async () => {
    const { id, owner, member } = await arrange();
    const access = a.get(WorkspaceAccess);
    expect(await access.roleOf(id, member)).toBe('member');

    await b.get(MembersService).changeRole(id, actor(owner, 'owner'), member, 'viewer');
    expect(await access.roleOf(id, member)).toBe('viewer');

    await b.get(MembersService).remove(id, actor(owner, 'owner'), member);
    expect(await access.roleOf(id, member)).toBeUndefined();
  });

  it('an ownership transfer and a workspace deletion count on the other instance at once', async () => {
    const { id, owner, member } = await arrange();
    const access = a.get(WorkspaceAccess);
    expect(await access.roleOf(id, owner)).toBe('owner');
    expect(await access.roleOf(id, member)).toBe('member');

    await b.get(WorkspacesService).transferOwnership(id, actor(owner, 'owner'), member);
    expect(await access.roleOf(id, owner)).toBe('admin');
    expect(await access.roleOf(id, member)).toBe('owner');

    await b.get(WorkspacesService).delete(id, actor(member, 'owner'));
    expect(await access.roleOf(id, owner)).toBeUndefined();
    expect(await access.roleOf(id, member)).toBeUndefined();
  });

  it('an account deletion counts on the other instance at once', async () => {
    const { id, member } = await arrange();
    const access = a.get(WorkspaceAccess);
    expect(await access.roleOf(id, member)).toBe('member');

    await b.get(AccountService).delete(member);

    expect(await access.roleOf(id, member)).toBeUndefined();
  });

  it('never remembers an absence: a membership created by any means counts on the next check', async () => {
    const { id } = await arrange();
    const newcomer = await people.create('Newcomer');
    const access = a.get(WorkspaceAccess);
    expect(await access.roleOf(id, newcomer.id)).toBeUndefined();

    await addMember(prisma, id, newcomer.id, 'viewer');

    expect(await access.roleOf(id, newcomer.id)).toBe('viewer');
  });
});
