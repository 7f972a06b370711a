import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuditModule,
  AuditTrail,
  DatabaseModule,
  EventsModule,
  MetricsModule,
  newId,
  PlatformConfigModule,
  PrismaService,
  RedisModule,
} from '@groundwork/platform';
import { MembersService, WorkspacesModule, WorkspacesService } from '@groundwork/workspaces';
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

describe('MembersService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let members: MembersService;
  let workspaces: WorkspacesService;
  let people: People;
  const workspaceIds: string[] = [];

  /** A workspace owned by a fresh user, with one fresh member per given role. */
  async function arrange(
    ...roles: ('admin' | 'member' | 'viewer')[]
  ): Promise<{ id: string; owner: string; others: string[] }> {
    const owner = await people.create('Owner');
    const workspace = await workspaces.create(owner.id, { name: 'Acme', slug: uniqueSlug() });
    workspaceIds.push(workspace.id);
    const others: string[] = [];
    for (const role of roles) {
      const person = await people.create(role);
      await addMember(prisma, workspace.id, person.id, role);
      others.push(person.id);
    }
    return { id: workspace.id, owner: owner.id, others };
  }

  beforeAll(async () => {
    moduleRef = await workspacesTestingModule();
    prisma = moduleRef.get(PrismaService);
    members = moduleRef.get(MembersService);
    workspaces = moduleRef.get(WorkspacesService);
    people = new People(prisma);
  });

  afterAll(async () => {
    await people.cleanUp(workspaceIds);
    await moduleRef.close();
  });

  it('lists members with name, email, role and joinedAt, in joining order, across pages', async () => {
    const { id, owner, others } = await arrange('admin', 'viewer');

    const first = await members.list(id, 2);
    const second = await members.list(id, 2, first.page.nextCursor ?? undefined);

    expect([...first.data, ...second.data].map((m) => [m.userId, m.role])).toEqual([
      [owner, 'owner'],
      [others[0], 'admin'],
      [others[1], 'viewer'],
    ]);
    expect(first.data[0]).toMatchObject({ name: 'Owner', email: expect.stringMatching(/^owner-.*@example\.com$/) });
    expect(first.data[0]!.joinedAt).toBeInstanceOf(Date);
    expect(second.page.nextCursor).toBeNull();
  });

  it('demoting the owner is a 409 (transfer first), whoever asks; granting owner is a 422', async () => {
    const { id, owner, others } = await arrange('admin');

    expect(await outcome(members.changeRole(id, actor(others[0]!, 'admin'), owner, 'member'))).toBe('conflict');
    expect(await outcome(members.changeRole(id, actor(owner, 'owner'), owner, 'admin'))).toBe('conflict');
    expect(await outcome(members.changeRole(id, actor(owner, 'owner'), others[0]!, 'owner'))).toBe('validation_failed');
    expect(await rolesOf(prisma, id)).toEqual({ [owner]: 'owner', [others[0]!]: 'admin' });
  });

  it('removing the owner is a 409, even when the owner tries to leave', async () => {
    const { id, owner, others } = await arrange('admin');

    expect(await outcome(members.remove(id, actor(others[0]!, 'admin'), owner))).toBe('conflict');
    expect(await outcome(members.remove(id, actor(owner, 'owner'), owner))).toBe('conflict');
    expect(await prisma.membership.count({ where: { workspaceId: id } })).toBe(2);
  });

  it('an admin changes another admin’s role; the change and its member.role_changed event and audit entry commit together', async () => {
    const { id, others } = await arrange('admin', 'admin');
    const [alice, bob] = others as [string, string];

    const member = await members.changeRole(id, actor(alice, 'admin'), bob, 'viewer');

    expect(member).toMatchObject({ userId: bob, role: 'viewer' });
    expect((await eventsOf(prisma, id, 'member.role_changed')).map((e) => [e.actorId, e.data])).toEqual([
      [alice, { userId: bob, previousRole: 'admin', role: 'viewer' }],
    ]);
    const audit = await prisma.auditEvent.findFirst({ where: { workspaceId: id, action: 'member.role_changed' } });
    expect(audit).toMatchObject({ actorId: alice, details: { userId: bob, previousRole: 'admin', role: 'viewer' } });
  });

  it('setting the role a member already has is no change: no event', async () => {
    const { id, owner, others } = await arrange('member');

    await members.changeRole(id, actor(owner, 'owner'), others[0]!, 'member');

    expect(await eventsOf(prisma, id, 'member.role_changed')).toHaveLength(0);
  });

  it('without members:manage, changing or removing someone else is 403; a stranger is 404', async () => {
    const { id, others } = await arrange('member', 'viewer');
    const [member, viewer] = others as [string, string];
    const stranger = await people.create('Stranger');

    expect(await outcome(members.changeRole(id, actor(viewer, 'viewer'), member, 'viewer'))).toBe('forbidden');
    expect(await outcome(members.remove(id, actor(member, 'member'), viewer))).toBe('forbidden');
    expect(await outcome(members.remove(id, actor(member, 'member'), stranger.id))).toBe('forbidden');
    expect(await outcome(members.changeRole(id, actor(others[0]!, 'admin'), stranger.id, 'viewer'))).toBe('not_found');
  });

  it('any member may leave; an admin removes a member; each publishes member.removed', async () => {
    const { id, others } = await arrange('admin', 'viewer', 'member');
    const [admin, viewer, member] = others as [string, string, string];

    await members.remove(id, actor(viewer, 'viewer'), viewer);
    await members.remove(id, actor(admin, 'admin'), member);

    expect(Object.keys(await rolesOf(prisma, id))).not.toContain(viewer);
    expect(Object.keys(await rolesOf(prisma, id))).not.toContain(member);
    expect((await eventsOf(prisma, id, 'member.removed')).map((e) => [e.actorId, e.data])).toEqual([
      [viewer, { userId: viewer }],
      [admin, { userId: member }],
    ]);
  });

  it('an API key acting for a member is not that member leaving: without members:manage it is refused', async () => {
    const { id, others } = await arrange('member');
    const member = others[0]!;

    expect(await outcome(members.remove(id, { userId: member, apiKeyId: member, role: 'member' }, member))).toBe(
      'forbidden',
    );
  });
});

describe('MembersService when the transaction fails after the event was written', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let people: People;
  const workspaceIds: string[] = [];

  beforeAll(async () => {
    // The audit entry is written after the event in the same transaction: failing it must
    // take the role change and the event down with it.
    moduleRef = await Test.createTestingModule({
      imports: [
        PlatformConfigModule.forRoot('api'),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        EventsModule,
        AuditModule,
        WorkspacesModule,
      ],
    })
      .overrideProvider(AuditTrail)
      .useValue({
        record: () => Promise.reject(new Error('audit store unavailable')),
      })
      .compile();
    await moduleRef.init();
    prisma = moduleRef.get(PrismaService);
    people = new People(prisma);
  });

  afterAll(async () => {
    await people.cleanUp(workspaceIds);
    await moduleRef.close();
  });

  it('a rolled-back role change leaves no member.role_changed event and the old role', async () => {
    const owner = await people.create('Owner');
    const member = await people.create('Member');
    const id = (await prisma.workspace.create({ data: { id: newId(), name: 'Acme', slug: uniqueSlug() } })).id;
    workspaceIds.push(id);
    await addMember(prisma, id, owner.id, 'owner');
    await addMember(prisma, id, member.id, 'member');

    await expect(
      moduleRef.get(MembersService).changeRole(id, actor(owner.id, 'owner'), member.id, 'admin'),
    ).rejects.toThrow('audit store unavailable');

    expect(await rolesOf(prisma, id)).toEqual({ [owner.id]: 'owner', [member.id]: 'member' });
    expect(await eventsOf(prisma, id, 'member.role_changed')).toHaveLength(0);
  });
});
