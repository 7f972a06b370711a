import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { FlagsAdminService } from '@groundwork/flags';
import { DomainError, EventsModule, PrismaService } from '@groundwork/platform';
import { SearchModule, SearchService, type SearchHit } from '@groundwork/search';
import { CommentsService, ProjectsService, TasksService, WorkModule } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';
import { actor, WorkArrangement } from '../work/work-fixtures.js';

/**
 * The PostgreSQL engine through SearchService, on rows written by the work context's own
 * services: what a write stores is searchable as soon as it commits (the vectors are kept by
 * triggers in the writing transaction).
 */
describe('search on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let search: SearchService;
  let tasks: TasksService;
  let comments: CommentsService;
  let projects: ProjectsService;
  let arrange: WorkArrangement;
  let ws: { id: string; owner: string; others: string[] };
  let other: { id: string; owner: string; others: string[] };
  let projectId: string;
  let projectVersion: number;

  const owner = () => actor(ws.owner, 'owner');
  const find = (q: string, extra: Partial<Parameters<SearchService['search']>[1]> = {}) =>
    search.search(ws.id, { q, types: ['task', 'comment'], limit: 20, ...extra });
  const ids = (hits: { data: SearchHit[] }) => hits.data.map((h) => h.id);

  const created: Record<string, { id: string; version: number }> = {};

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [EventsModule, WorkModule, SearchModule] });
    const prisma = moduleRef.get(PrismaService);
    search = moduleRef.get(SearchService);
    tasks = moduleRef.get(TasksService);
    comments = moduleRef.get(CommentsService);
    projects = moduleRef.get(ProjectsService);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
    ws = await arrange.workspace();
    other = await arrange.workspace();
    const project = await projects.create(ws.id, owner(), { name: 'Platform', key: 'PLAT' });
    projectId = project.id;
    projectVersion = project.version;
    const task = async (name: string, input: { title: string; description?: string; labels?: string[] }) => {
      const t = await tasks.create(ws.id, owner(), { projectId, ...input });
      created[name] = { id: t.id, version: t.version };
    };
    await task('cafe', { title: 'Running the Café migrations', description: 'Schema changes for the naïve ordering' });
    await task('deploy', { title: 'Deploy pipeline', description: 'The release notes mention migrations too' });
    await task('script', { title: 'Escape <script>alert(1)</script> in titles', labels: ['security'] });
    await task('labelled', { title: 'Quarterly planning', labels: ['roadmap'] });
    const c = await comments.create(ws.id, created.deploy!.id, owner(), 'The pipeline broke on the kubernetes rollout');
    created.comment = { id: c.id, version: 1 };
    const foreignProject = await projects.create(other.id, actor(other.owner, 'owner'), { name: 'X', key: 'XX' });
    await tasks.create(other.id, actor(other.owner, 'owner'), {
      projectId: foreignProject.id,
      title: 'Secret kubernetes migrations of another workspace',
    });
  });

  afterAll(async () => {
    await arrange.cleanUp();
    await moduleRef.close();
  });

  it('matches stemmed words case- and accent-insensitively', async () => {
    expect(ids(await find('RUN cafe Migration'))).toEqual([created.cafe!.id]);
    expect(ids(await find('naive'))).toEqual([created.cafe!.id]);
  });

  it('matches the last word as a prefix (search as you type), the others as whole words', async () => {
    expect(ids(await find('pipel'))).toEqual(expect.arrayContaining([created.deploy!.id, created.comment!.id]));
    expect(ids(await find('pipeline rele'))).toEqual([created.deploy!.id]);
    expect(ids(await find('pipeline release '))).toEqual([created.deploy!.id]);
    expect(ids(await find('pipeline rele '))).toEqual([]);
    expect(ids(await find('pipel release'))).toEqual([]);
  });

  it('understands phrases, exclusions and or', async () => {
    expect(ids(await find('"release notes"'))).toEqual([created.deploy!.id]);
    expect(ids(await find('"notes release"'))).toEqual([]);
    expect(ids(await find('migrations -deploy'))).toEqual([created.cafe!.id]);
    expect(new Set(ids(await find('planning or security')))).toEqual(
      new Set([created.labelled!.id, created.script!.id]),
    );
  });

  it('finds a task by its key and by its labels', async () => {
    const [first] = await prismaTaskNumbers(created.cafe!.id);
    expect(ids(await find(`PLAT-${first}`, { types: ['task'] }))).toEqual([created.cafe!.id]);
    expect(ids(await find('roadmap'))).toEqual([created.labelled!.id]);
  });

  it('ranks a title match above a description match', async () => {
    const hits = await find('migrations');
    expect(ids(hits)).toEqual([created.cafe!.id, created.deploy!.id]);
    expect(hits.data[0]!.score).toBeGreaterThan(hits.data[1]!.score);
  });

  it('returns comments with their task, and keeps each type filter to its own', async () => {
    const hits = await find('kubernetes');
    expect(hits.data).toEqual([
      expect.objectContaining({
        type: 'comment',
        id: created.comment!.id,
        taskId: created.deploy!.id,
        projectId,
        title: 'Deploy pipeline',
        snippet: 'The pipeline broke on the <mark>kubernetes</mark> rollout',
      }),
    ]);
    expect(ids(await find('kubernetes', { types: ['task'] }))).toEqual([]);
    expect(ids(await find('pipeline', { types: ['comment'] }))).toEqual([created.comment!.id]);
  });

  it('escapes text that looks like a tag in snippets, and marks the matches', async () => {
    const [hit] = (await find('escape')).data;
    expect(hit!.snippet).toBe('<mark>Escape</mark> &lt;script&gt;alert(1)&lt;/script&gt; in titles');
    const [byTag] = (await find('script alert')).data;
    expect(byTag!.id).toBe(created.script!.id);
  });

  it('cuts a long text to excerpts around the matches', async () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(30);
    const long = await tasks.create(ws.id, owner(), {
      projectId,
      title: 'Long read',
      description: `${filler}the zeppelin landed${filler}`,
    });
    const [hit] = (await find('zeppelin')).data;
    expect(hit!.id).toBe(long.id);
    expect(hit!.snippet).toContain('the <mark>zeppelin</mark> landed');
    expect(hit!.snippet.length).toBeLessThan(400);
    const current = await tasks.get(ws.id, long.id);
    await tasks.delete(ws.id, long.id, owner(), current.version);
  });

  it('takes the snippet from the description when only the description matches', async () => {
    const [hit] = (await find('notes')).data;
    expect(hit!.snippet).toContain('<mark>notes</mark>');
    expect(hit!.snippet).toContain('release');
  });

  it('finds a task by a misspelled word of its title when full-text search finds nothing (trigram fallback)', async () => {
    const hits = await find('pipelien');
    expect(ids(hits)).toEqual([created.deploy!.id]);
    // The title as it is, escaped, without marks: nothing in it is the word typed.
    expect(hits.data[0]).toMatchObject({ type: 'task', title: 'Deploy pipeline', snippet: 'Deploy pipeline' });
    expect(hits.data[0]!.score).toBeGreaterThan(0.6);
    const [escaped] = (await find('escapee')).data;
    expect(escaped).toMatchObject({
      id: created.script!.id,
      snippet: 'Escape &lt;script&gt;alert(1)&lt;/script&gt; in titles',
    });
    // Only for one word: several words, or a phrase, stay full-text only.
    expect(ids(await find('pipelien deploi'))).toEqual([]);
    expect(ids(await find('"pipelien"'))).toEqual([]);
    // Titles only, and only tasks.
    expect(ids(await find('kubernetis'))).toEqual([]);
    expect(ids(await find('pipelien', { types: ['comment'] }))).toEqual([]);
  });

  it('never lets the trigram fallback reach another workspace', async () => {
    // The other workspace's title has "kubernetes": found from there, never from here.
    const fromOther = await search.search(other.id, { q: 'kubernetis', types: ['task', 'comment'], limit: 20 });
    expect(fromOther.data.map((h) => h.title)).toEqual(['Secret kubernetes migrations of another workspace']);
    expect((await find('kubernetis')).data).toEqual([]);
    expect((await find('secrte')).data).toEqual([]);
  });

  it('never shows another workspace’s content', async () => {
    const hits = await find('secret kubernetes');
    expect(hits.data).toEqual([]);
    const all = await find('kubernetes or migrations or secret');
    expect(all.data.map((h) => h.snippet).join(' ')).not.toMatch(/secret|another workspace/i);
  });

  it('drops a deleted task and its comments at once, and brings them back on restore', async () => {
    const deploy = await tasks.get(ws.id, created.deploy!.id);
    await tasks.delete(ws.id, deploy.id, owner(), deploy.version);
    expect(ids(await find('pipeline'))).toEqual([]);
    expect(ids(await find('pipelien'))).toEqual([]);
    await tasks.restore(ws.id, deploy.id, owner());
    expect(new Set(ids(await find('pipeline')))).toEqual(new Set([deploy.id, created.comment!.id]));
  });

  it('follows edits: a new title is found, the old one no longer', async () => {
    const labelled = await tasks.get(ws.id, created.labelled!.id);
    await tasks.update(ws.id, labelled.id, owner(), labelled.version, { title: 'Yearly budgeting' });
    expect(ids(await find('quarterly'))).toEqual([]);
    expect(ids(await find('budget'))).toEqual([labelled.id]);
  });

  it('follows a renamed project key', async () => {
    const [number] = await prismaTaskNumbers(created.cafe!.id);
    const renamed = await projects.update(ws.id, projectId, owner(), projectVersion, { key: 'CORE' });
    projectVersion = renamed.version;
    expect(ids(await find(`CORE-${number}`, { types: ['task'] }))).toEqual([created.cafe!.id]);
    expect(ids(await find(`PLAT-${number}`, { types: ['task'] }))).toEqual([]);
  });

  it('filters by project', async () => {
    expect(ids(await find('migrations', { projectId }))).toHaveLength(2);
    expect(ids(await find('migrations', { projectId: other.id }))).toEqual([]);
  });

  it('pages with a cursor through every hit exactly once, in rank order', async () => {
    const all = await find('the or migrations or pipeline or escape or kubernetes', { limit: 100 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await find('the or migrations or pipeline or escape or kubernetes', { limit: 2, cursor });
      seen.push(...ids(page));
      cursor = page.page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids(all));
    expect(seen.length).toBeGreaterThan(2);
  });

  it('refuses a cursor issued for another query', async () => {
    const page = await find('migrations', { limit: 1 });
    const cursor = page.page.nextCursor!;
    await expect(find('pipeline', { cursor })).rejects.toMatchObject({ code: 'invalid_cursor' });
  });

  it('refuses an empty or over-long query, and answers every other text without failing', async () => {
    for (const q of ['', '   ', 'x'.repeat(201)]) {
      await expect(find(q)).rejects.toBeInstanceOf(DomainError);
    }
    const nasty = [
      "' OR 1=1 --",
      'a & b | !c <-> d:* (',
      '"unterminated phrase',
      '😀'.repeat(200),
      'nul\u0000byte',
      '\u200F\u202Eright-to-left\u200E',
      '-',
      'or',
      '"" - or -"',
      ':*',
      "'';DROP TABLE tasks;--",
      '\\',
      '&&&',
      '<b>',
      '\uE004forged\uE005',
    ];
    for (const q of nasty) {
      const page = await find(q);
      expect(Array.isArray(page.data)).toBe(true);
    }
  });

  it('answers 403 feature-disabled while the workspace’s search flag is off, and finds the writes made meanwhile once it is on again', async () => {
    const admin = moduleRef.get(FlagsAdminService);
    // Off for every workspace but the one listed: `other` is the one without search.
    await admin.put('search', { enabled: false, workspaceIds: [ws.id] }, ws.owner);
    try {
      expect(ids(await find('migrations'))).toHaveLength(2);
      const otherSearch = () => search.search(other.id, { q: 'kubernetes', types: ['task'], limit: 20 });
      await expect(otherSearch()).rejects.toMatchObject({ code: 'feature_disabled' });
      const project = await projects.create(other.id, actor(other.owner, 'owner'), { name: 'Y', key: 'YY' });
      const written = await tasks.create(other.id, actor(other.owner, 'owner'), {
        projectId: project.id,
        title: 'Kubernetes written while search was off',
      });
      await admin.delete('search', ws.owner);
      expect((await otherSearch()).data.map((h) => h.id)).toEqual(expect.arrayContaining([written.id]));
    } finally {
      await admin.delete('search', ws.owner).catch(() => undefined);
    }
  });

  async function prismaTaskNumbers(taskId: string): Promise<number[]> {
    const task = await moduleRef.get(PrismaService).task.findUniqueOrThrow({ where: { id: taskId } });
    return [task.number];
  }
});
