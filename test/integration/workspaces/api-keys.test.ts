import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@groundwork/platform';
import { ApiKeysService, WorkspacesService } from '@groundwork/workspaces';
import { actor, outcome, People, uniqueSlug, workspacesTestingModule } from './workspaces-fixtures.js';

describe('ApiKeysService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let keys: ApiKeysService;
  let workspaces: WorkspacesService;
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

  it('a key carries no role above its creator’s (403)', async () => {
    const { workspaceId, owner } = await arrange();

    expect(await outcome(keys.create(workspaceId, actor(owner, 'member'), { name: 'x', role: 'admin' }))).toBe(
      'forbidden',
    );
    expect(await outcome(keys.create(workspaceId, actor(owner, 'member'), { name: 'y', role: 'member' }))).toBe(
      'resolved',
    );
  });

  it('revoking records the acting key in the audit trail', async () => {
    const { workspaceId, owner } = await arrange();
    const adminKey = await keys.create(workspaceId, actor(owner, 'owner'), { name: 'ci', role: 'admin' });
    const other = await keys.create(workspaceId, actor(owner, 'owner'), { name: 'other', role: 'viewer' });

    await keys.revoke(workspaceId, other.id, { userId: owner, apiKeyId: adminKey.id, role: 'admin' });

    const revoked = await prisma.auditEvent.findFirst({ where: { workspaceId, action: 'api_key.revoked' } });
    expect(revoked).toMatchObject({ actorApiKeyId: adminKey.id, details: { apiKeyId: other.id } });
    expect(await outcome(keys.get(workspaceId, other.id))).toBe('not_found');
  });
});
