import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { PrismaService } from '@groundwork/platform';
import { ProjectsService } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { actor, eventsOf, outcome, WorkArrangement, workTestingModule } from './work-fixtures.js';

describe('ProjectsService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let projects: ProjectsService;
  let arrange: WorkArrangement;

  beforeAll(async () => {
    moduleRef = await workTestingModule();
    prisma = moduleRef.get(PrismaService);
    projects = moduleRef.get(ProjectsService);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
  });

  afterAll(async () => {
    await arrange.cleanUp();
    await moduleRef.close();
  });

  it('creates a project at version 1 with a project.created event, and a taken key is a 409', async () => {
    const ws = await arrange.workspace();
    const project = await projects.create(ws.id, actor(ws.owner, 'owner'), { name: 'Engine', key: 'ENG' });

    expect(project).toMatchObject({ key: 'ENG', version: 1, wipLimit: null, description: null });
    expect((await eventsOf(prisma, ws.id, 'project.created')).map((e) => e.data)).toEqual([
      { projectId: project.id, key: 'ENG' },
    ]);
    expect(await outcome(projects.create(ws.id, actor(ws.owner, 'owner'), { name: 'Other', key: 'ENG' }))).toBe(
      'conflict',
    );
    // Keys are unique per workspace, not globally.
    const other = await arrange.workspace();
    expect(await outcome(projects.create(other.id, actor(other.owner, 'owner'), { name: 'E', key: 'ENG' }))).toBe(
      'resolved',
    );
  });

  it('updates only at the expected version (bumping it), else 412; an unknown project is a 404', async () => {
    const ws = await arrange.workspace();
    const project = await projects.create(ws.id, actor(ws.owner, 'owner'), { name: 'Engine', key: 'ENG' });

    const updated = await projects.update(ws.id, project.id, actor(ws.owner, 'owner'), 1, {
      wipLimit: 3,
      description: 'Hi <script>alert(1)</script>there',
    });

    expect(updated).toMatchObject({ version: 2, wipLimit: 3, description: 'Hi there' });
    expect(await outcome(projects.update(ws.id, project.id, actor(ws.owner, 'owner'), 1, { name: 'x' }))).toBe(
      'precondition_failed',
    );
    const other = await arrange.workspace();
    expect(await outcome(projects.update(other.id, project.id, actor(other.owner, 'owner'), 2, { name: 'x' }))).toBe(
      'not_found',
    );
    expect((await eventsOf(prisma, ws.id, 'project.updated')).map((e) => e.data)).toEqual([
      { projectId: project.id, fields: ['description', 'wipLimit'] },
    ]);
  });

  it('of 50 concurrent updates at the same version exactly one wins, the rest are precondition_failed', async () => {
    const ws = await arrange.workspace();
    const project = await projects.create(ws.id, actor(ws.owner, 'owner'), { name: 'Engine', key: 'ENG' });

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        outcome(projects.update(ws.id, project.id, actor(ws.owner, 'owner'), 1, { name: `Name ${i}` })),
      ),
    );

    expect(outcomes.filter((o) => o === 'resolved')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'precondition_failed')).toHaveLength(49);
    expect((await projects.get(ws.id, project.id)).version).toBe(2);
  });

  it('deletes a project without tasks at the expected version; stale → 412, gone → 404', async () => {
    const ws = await arrange.workspace();
    const project = await projects.create(ws.id, actor(ws.owner, 'owner'), { name: 'Engine', key: 'ENG' });

    expect(await outcome(projects.delete(ws.id, project.id, actor(ws.owner, 'owner'), 7))).toBe('precondition_failed');
    await projects.delete(ws.id, project.id, actor(ws.owner, 'owner'), 1);
    expect(await outcome(projects.get(ws.id, project.id))).toBe('not_found');
    expect(await outcome(projects.delete(ws.id, project.id, actor(ws.owner, 'owner'), 1))).toBe('not_found');
  });
});
