import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { AccountService } from '@groundwork/identity';
import { PrismaService } from '@groundwork/platform';
import { WorkspacesService } from '@groundwork/workspaces';
import {
  actor,
  addMember,
  eventsOf,
  outcome,
  People,
  uniqueSlug,
  workspacesTestingModule,
} from './workspaces-fixtures.js';

describe('account deletion and workspaces', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let accounts: AccountService;
  let workspaces: WorkspacesService;
  let people: People;
  const workspaceIds: string[] = [];

  async function newWorkspace(ownerId: string): Promise<string> {
    const workspace = await workspaces.create(ownerId, { name: 'Acme', slug: uniqueSlug() });
    workspaceIds.push(workspace.id);
    return workspace.id;
  }

  beforeAll(async () => {
    // AccountService comes from the IdentityModule that WorkspacesModule imports: the same
    // instance whose participants the workspaces context registered with at init.
    moduleRef = await workspacesTestingModule();
    prisma = moduleRef.get(PrismaService);
    accounts = moduleRef.get(AccountService);
    workspaces = moduleRef.get(WorkspacesService);
    people = new People(prisma);
  });

  afterAll(async () => {
    await prisma.outboxEvent.deleteMany({ where: { type: 'user.deleted', actorId: { in: people.ids } } });
    await people.cleanUp(workspaceIds);
    await moduleRef.close();
  });

  it('is refused with 409 while the user owns a workspace, and nothing changes', async () => {
    const ada = await people.create('Ada');
    const owned = await newWorkspace(ada.id);
    const grace = await people.create('Grace');
    const joined = await newWorkspace(grace.id);
    await addMember(prisma, joined, ada.id, 'member');

    expect(await outcome(accounts.delete(ada.id))).toBe('conflict');

    expect(await prisma.membership.count({ where: { userId: ada.id } })).toBe(2);
    expect((await prisma.user.findUniqueOrThrow({ where: { id: ada.id } })).deletedAt).toBeNull();
    expect(await eventsOf(prisma, owned, 'member.removed')).toHaveLength(0);
    expect(await eventsOf(prisma, joined, 'member.removed')).toHaveLength(0);
  });

  it('otherwise ends every membership, publishing member.removed in each workspace', async () => {
    const ada = await people.create('Ada');
    const grace = await people.create('Grace');
    const first = await newWorkspace(grace.id);
    const second = await newWorkspace(grace.id);
    await addMember(prisma, first, ada.id, 'admin');
    await addMember(prisma, second, ada.id, 'viewer');

    await accounts.delete(ada.id);

    expect(await prisma.membership.count({ where: { userId: ada.id } })).toBe(0);
    for (const workspaceId of [first, second]) {
      const removed = await eventsOf(prisma, workspaceId, 'member.removed');
      expect(removed).toMatchObject([{ actorId: ada.id, data: { userId: ada.id } }]);
    }
    expect((await prisma.user.findUniqueOrThrow({ where: { id: ada.id } })).deletedAt).not.toBeNull();
  });

  it('succeeds once ownership has been transferred', async () => {
    const ada = await people.create('Ada');
    const grace = await people.create('Grace');
    const id = await newWorkspace(ada.id);
    await addMember(prisma, id, grace.id, 'admin');
    await workspaces.transferOwnership(id, actor(ada.id, 'owner'), grace.id);

    expect(await outcome(accounts.delete(ada.id))).toBe('resolved');
    expect(await prisma.membership.findMany({ where: { workspaceId: id } })).toMatchObject([
      { userId: grace.id, role: 'owner' },
    ]);
  });
});
