import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@groundwork/platform';
import { WorkspacesService } from '@groundwork/workspaces';
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

describe('WorkspacesService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let workspaces: WorkspacesService;
  let people: People;
  const workspaceIds: string[] = [];

  async function newWorkspace(ownerId: string): Promise<string> {
    const workspace = await workspaces.create(ownerId, { name: 'Acme', slug: uniqueSlug() });
    workspaceIds.push(workspace.id);
    return workspace.id;
  }

  beforeAll(async () => {
    moduleRef = await workspacesTestingModule();
    prisma = moduleRef.get(PrismaService);
    workspaces = moduleRef.get(WorkspacesService);
    people = new People(prisma);
  });

  afterAll(async () => {
    await people.cleanUp(workspaceIds);
    await moduleRef.close();
  });

  it('create makes the creator the owner and commits workspace.created, member.added and the audit entry with it', async () => {
    const ada = await people.create('Ada');
    const slug = uniqueSlug('acme');

    const workspace = await workspaces.create(ada.id, { name: 'Acme', slug });
    workspaceIds.push(workspace.id);

    expect(workspace).toMatchObject({ name: 'Acme', slug, role: 'owner' });
    expect(await rolesOf(prisma, workspace.id)).toEqual({ [ada.id]: 'owner' });
    const created = await eventsOf(prisma, workspace.id, 'workspace.created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ visibility: 'public', actorId: ada.id, data: { workspaceId: workspace.id } });
    const added = await eventsOf(prisma, workspace.id, 'member.added');
    expect(added.map((e) => e.data)).toEqual([{ userId: ada.id, role: 'owner' }]);
    const audit = await prisma.auditEvent.findMany({ where: { workspaceId: workspace.id } });
    expect(audit).toMatchObject([{ action: 'workspace.created', actorId: ada.id, details: { slug } }]);
  });

  it('a taken slug is a 409 conflict naming the slug, and nothing of the second workspace is left behind', async () => {
    const ada = await people.create('Ada');
    const grace = await people.create('Grace');
    const slug = uniqueSlug('clash');
    workspaceIds.push((await workspaces.create(ada.id, { name: 'First', slug })).id);

    const error = await workspaces.create(grace.id, { name: 'Second', slug }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'conflict', errors: [{ field: 'slug', message: 'slug is already taken' }] });
    expect(await prisma.membership.count({ where: { userId: grace.id } })).toBe(0);
    expect(await prisma.workspace.count({ where: { name: 'Second', slug } })).toBe(0);
  });

  it('listMine pages through the caller’s workspaces only, with their role in each', async () => {
    const ada = await people.create('Ada');
    const grace = await people.create('Grace');
    const own = [await newWorkspace(ada.id), await newWorkspace(ada.id)];
    const joined = await newWorkspace(grace.id);
    await addMember(prisma, joined, ada.id, 'viewer');
    await newWorkspace(grace.id);

    const first = await workspaces.listMine(ada.id, 2);
    const second = await workspaces.listMine(ada.id, 2, first.page.nextCursor ?? undefined);

    expect(first.data.map((w) => [w.id, w.role])).toEqual([
      [own[0], 'owner'],
      [own[1], 'owner'],
    ]);
    expect(first.page.nextCursor).not.toBeNull();
    expect(second.data.map((w) => [w.id, w.role])).toEqual([[joined, 'viewer']]);
    expect(second.page.nextCursor).toBeNull();
    expect(await outcome(workspaces.listMine(grace.id, 2, first.page.nextCursor ?? undefined))).toBe('invalid_cursor');
  });

  it('update changes name and slug with one workspace.updated event; an unchanged value is no change; a taken slug → 409', async () => {
    const ada = await people.create('Ada');
    const id = await newWorkspace(ada.id);
    const other = await workspaces.create(ada.id, { name: 'Other', slug: uniqueSlug('other') });
    workspaceIds.push(other.id);
    const slug = uniqueSlug('renamed');

    const updated = await workspaces.update(id, actor(ada.id, 'owner'), { name: 'Renamed', slug });
    await workspaces.update(id, actor(ada.id, 'owner'), { name: 'Renamed' });

    expect(updated).toMatchObject({ id, name: 'Renamed', slug, role: 'owner' });
    expect((await eventsOf(prisma, id, 'workspace.updated')).map((e) => e.data)).toEqual([
      { workspaceId: id, fields: ['name', 'slug'] },
    ]);
    expect(await outcome(workspaces.update(id, actor(ada.id, 'owner'), { slug: other.slug }))).toBe('conflict');
  });

  it('transfer swaps the roles (old owner → admin) with two member.role_changed events and an ownership.transferred entry', async () => {
    const ada = await people.create('Ada');
    const grace = await people.create('Grace');
    const id = await newWorkspace(ada.id);
    await addMember(prisma, id, grace.id, 'member');

    const transfer = await workspaces.transferOwnership(id, actor(ada.id, 'owner'), grace.id);

    expect(transfer).toEqual({ workspaceId: id, ownerId: grace.id, previousOwnerId: ada.id });
    expect(await rolesOf(prisma, id)).toEqual({ [ada.id]: 'admin', [grace.id]: 'owner' });
    expect((await eventsOf(prisma, id, 'member.role_changed')).map((e) => e.data)).toEqual([
      { userId: ada.id, previousRole: 'owner', role: 'admin' },
      { userId: grace.id, previousRole: 'member', role: 'owner' },
    ]);
    const audit = await prisma.auditEvent.findFirst({ where: { workspaceId: id, action: 'ownership.transferred' } });
    expect(audit).toMatchObject({ actorId: ada.id, details: { previousOwnerId: ada.id, ownerId: grace.id } });
  });

  it('transfer to a non-member is a 422 and changes nothing; to oneself also 422; by an API key 403', async () => {
    const ada = await people.create('Ada');
    const stranger = await people.create('Stranger');
    const id = await newWorkspace(ada.id);

    expect(await outcome(workspaces.transferOwnership(id, actor(ada.id, 'owner'), stranger.id))).toBe(
      'validation_failed',
    );
    expect(await outcome(workspaces.transferOwnership(id, actor(ada.id, 'owner'), ada.id))).toBe('validation_failed');
    expect(
      await outcome(workspaces.transferOwnership(id, { userId: ada.id, apiKeyId: stranger.id, role: 'owner' }, ada.id)),
    ).toBe('forbidden');
    expect(await rolesOf(prisma, id)).toEqual({ [ada.id]: 'owner' });
  });

  it('two concurrent transfers to different members leave exactly one owner: one succeeds, the other is refused', async () => {
    const ada = await people.create('Ada');
    const grace = await people.create('Grace');
    const linus = await people.create('Linus');
    const id = await newWorkspace(ada.id);
    await addMember(prisma, id, grace.id, 'admin');
    await addMember(prisma, id, linus.id, 'member');

    const outcomes = await Promise.all([
      outcome(workspaces.transferOwnership(id, actor(ada.id, 'owner'), grace.id)),
      outcome(workspaces.transferOwnership(id, actor(ada.id, 'owner'), linus.id)),
    ]);

    expect(outcomes.sort()).toEqual(['forbidden', 'resolved']);
    const roles = await rolesOf(prisma, id);
    expect(Object.values(roles).filter((role) => role === 'owner')).toHaveLength(1);
    expect(roles[ada.id]).toBe('admin');
    expect(await eventsOf(prisma, id, 'member.role_changed')).toHaveLength(2);
  });

  it('delete removes the workspace with its memberships and publishes workspace.deleted; only the owner in person may', async () => {
    const ada = await people.create('Ada');
    const grace = await people.create('Grace');
    const id = await newWorkspace(ada.id);
    await addMember(prisma, id, grace.id, 'admin');

    expect(await outcome(workspaces.delete(id, actor(grace.id, 'admin')))).toBe('forbidden');
    expect(await outcome(workspaces.delete(id, { userId: ada.id, apiKeyId: grace.id, role: 'owner' }))).toBe(
      'forbidden',
    );
    await workspaces.delete(id, actor(ada.id, 'owner'));

    expect(await prisma.workspace.findUnique({ where: { id } })).toBeNull();
    expect(await prisma.membership.count({ where: { workspaceId: id } })).toBe(0);
    expect(await eventsOf(prisma, id, 'workspace.deleted')).toHaveLength(1);
    expect(await outcome(workspaces.get(id, 'owner'))).toBe('not_found');
  });
});
