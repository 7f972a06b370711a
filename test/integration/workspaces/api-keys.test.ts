import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@groundwork/platform';
import {
  ApiKeyAuthenticator,
  ApiKeysService,
  InvitationsService,
  MembersService,
  WorkspaceAccess,
  type WorkspaceActor,
  WorkspacesService,
} from '@groundwork/workspaces';
import { actor, addMember, outcome, People, uniqueSlug, workspacesTestingModule } from './workspaces-fixtures.js';

describe('ApiKeysService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let keys: ApiKeysService;
  let workspaces: WorkspacesService;
  let authenticator: ApiKeyAuthenticator;
  let members: MembersService;
  let invitations: InvitationsService;
  let access: WorkspaceAccess;
  let people: People;
  const workspaceIds: string[] = [];

  async function arrange(): Promise<{ workspaceId: string; owner: string }> {
    const owner = await people.create('Owner');
    const workspace = await workspaces.create(owner.id, { name: 'Acme', slug: uniqueSlug() });
    workspaceIds.push(workspace.id);
    return { workspaceId: workspace.id, owner: owner.id };
  }

  beforeAll(async () => {
    moduleRef = await workspacesTestingModule();
    prisma = moduleRef.get(PrismaService);
    keys = moduleRef.get(ApiKeysService);
    workspaces = moduleRef.get(WorkspacesService);
    authenticator = moduleRef.get(ApiKeyAuthenticator);
    members = moduleRef.get(MembersService);
    invitations = moduleRef.get(InvitationsService);
    access = moduleRef.get(WorkspaceAccess);
    people = new People(prisma);
  });

  afterAll(async () => {
    await people.cleanUp(workspaceIds);
    await moduleRef.close();
  });

  it('an API key cannot create API keys, whatever its role (403), and nothing is written', async () => {
    const { workspaceId, owner } = await arrange();
    const adminKey = await keys.create(workspaceId, actor(owner, 'owner'), { name: 'ci', role: 'admin' });

    const byKey = keys.create(
      workspaceId,
      { userId: owner, apiKeyId: adminKey.id, role: 'admin' },
      { name: 'minted', role: 'viewer' },
    );

    expect(await outcome(byKey)).toBe('forbidden');
    expect((await keys.list(workspaceId, 10)).data.map((key) => key.name)).toEqual(['ci']);
  });

  it('only admins and the owner create keys, with a role no higher than their own (403)', async () => {
    const { workspaceId, owner } = await arrange();

    expect(await outcome(keys.create(workspaceId, actor(owner, 'member'), { name: 'x', role: 'member' }))).toBe(
      'forbidden',
    );
    expect(await outcome(keys.create(workspaceId, actor(owner, 'admin'), { name: 'y', role: 'admin' }))).toBe(
      'resolved',
    );
  });

  it('revoking records the acting person in the audit trail', async () => {
    const { workspaceId, owner } = await arrange();
    const other = await keys.create(workspaceId, actor(owner, 'owner'), { name: 'other', role: 'viewer' });

    await keys.revoke(workspaceId, other.id, actor(owner, 'owner'));

    const revoked = await prisma.auditEvent.findFirst({ where: { workspaceId, action: 'api_key.revoked' } });
    expect(revoked).toMatchObject({ actorId: owner, actorApiKeyId: null, details: { apiKeyId: other.id } });
    expect(await outcome(keys.get(workspaceId, other.id))).toBe('not_found');
  });

  describe('a key acts at most at its creator’s current role', () => {
    async function adminWithKey(): Promise<{ workspaceId: string; owner: string; admin: string; secret: string }> {
      const { workspaceId, owner } = await arrange();
      const admin = await people.create('Admin');
      await addMember(prisma, workspaceId, admin.id, 'admin');
      const key = await keys.create(workspaceId, actor(admin.id, 'admin'), { name: 'ci', role: 'admin' });
      return { workspaceId, owner, admin: admin.id, secret: key.secret };
    }

    it('acts with the key’s role while its creator holds it', async () => {
      const { secret } = await adminWithKey();

      expect(await authenticator.authenticate(secret)).toMatchObject({ role: 'admin' });
    });

    it('a demoted creator’s admin key is capped at the new role from the next request on', async () => {
      const { workspaceId, owner, admin, secret } = await adminWithKey();

      await members.changeRole(workspaceId, actor(owner, 'owner'), admin, 'viewer');
      await access.membershipsChanged(workspaceId);

      expect(await authenticator.authenticate(secret)).toMatchObject({ role: 'viewer' });
    });

    it('a removed creator’s keys stop working', async () => {
      const { workspaceId, owner, admin, secret } = await adminWithKey();

      await members.remove(workspaceId, actor(owner, 'owner'), admin);
      await access.membershipsChanged(workspaceId);

      expect(await authenticator.authenticate(secret)).toBeUndefined();
    });
  });

  describe('a key never administers the workspace', () => {
    async function adminKeyActor(): Promise<{ workspaceId: string; owner: string; key: WorkspaceActor }> {
      const { workspaceId, owner } = await arrange();
      const created = await keys.create(workspaceId, actor(owner, 'owner'), { name: 'ci', role: 'admin' });
      return { workspaceId, owner, key: { userId: owner, apiKeyId: created.id, role: 'admin' } };
    }

    it('cannot change or remove members', async () => {
      const { workspaceId, key } = await adminKeyActor();
      const member = await people.create('Member');
      await addMember(prisma, workspaceId, member.id, 'member');

      expect(await outcome(members.changeRole(workspaceId, key, member.id, 'admin'))).toBe('forbidden');
      expect(await outcome(members.remove(workspaceId, key, member.id))).toBe('forbidden');
    });

    it('cannot invite anyone', async () => {
      const { workspaceId, key } = await adminKeyActor();

      expect(await outcome(invitations.create(workspaceId, key, { email: 'new@example.com', role: 'admin' }))).toBe(
        'forbidden',
      );
      expect(await prisma.invitation.count({ where: { workspaceId } })).toBe(0);
    });

    it('cannot revoke API keys', async () => {
      const { workspaceId, owner, key } = await adminKeyActor();
      const other = await keys.create(workspaceId, actor(owner, 'owner'), { name: 'other', role: 'viewer' });

      expect(await outcome(keys.revoke(workspaceId, other.id, key))).toBe('forbidden');
      expect(await outcome(keys.get(workspaceId, other.id))).toBe('resolved');
    });

    it('cannot rename the workspace', async () => {
      const { workspaceId, key } = await adminKeyActor();

      expect(await outcome(workspaces.update(workspaceId, key, { name: 'Taken over' }))).toBe('forbidden');
    });
  });
});
