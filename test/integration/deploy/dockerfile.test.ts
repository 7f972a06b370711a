/**
 * Static checks of the Dockerfile and .dockerignore (no Docker engine needed): the
 * image is multi-stage, runs as non-root with production dependencies only, a separate
 * `migrate` target carries the Prisma CLI, and nothing in the build downloads outside the
 * npm registry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

/** Instructions with line continuations joined; comments and blank lines dropped. */
function instructions(dockerfile: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const line of dockerfile.split('\n')) {
    if (/^\s*#/.test(line) || (line.trim() === '' && pending === '')) continue;
    if (line.trimEnd().endsWith('\\')) {
      pending += line.trimEnd().slice(0, -1) + ' ';
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  return logical
    .map((line) => /^\s*(\w+)\s+(.*)$/s.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ keyword: match[1].toUpperCase(), args: match[2].trim() }));
}

/** Splits the instructions into stages, resolving `FROM ${ARG}` with the global ARG defaults. */
function stages(all: Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const result: Stage[] = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = words[0].replace(/\$\{?(\w+)\}?/g, (_, name: string) => globalArgs.get(name) ?? '');
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      result.push({ name: asIndex >= 0 ? words[asIndex + 1] : undefined, image, instructions: [] });
    } else if (result.length === 0) {
      const arg = /^(\w+)=(\S+)$/.exec(instruction.args);
      if (instruction.keyword === 'ARG' && arg !== null) globalArgs.set(arg[1], arg[2]);
    } else {
      result[result.length - 1].instructions.push(instruction);
    }
  }
  return result;
}

/** A package.json script's command as an argument list (the start scripts have no quoting). */
function startScript(name: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return manifest.scripts[name].split(/\s+/);
}

function dockerignorePatterns(): string[] {
  return readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
    .map((line) => line.replace(/^\*\*\//, '').replace(/\/$/, ''));
}

describe('Dockerfile', () => {
  const all = instructions(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const built = stages(all);
  const final = built[built.length - 1];
  const finalOf = (keyword: string): Instruction[] => final.instructions.filter((i) => i.keyword === keyword);
  const stageNamed = (name: string): Stage | undefined => built.find((s) => s.name === name);

  it('is a multi-stage build whose final stage runs the pinned Node.js (.nvmrc = the node devDependency)', () => {
    const pinned = readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies.node).toBe(pinned);
    expect(built.length).toBeGreaterThanOrEqual(2);
    expect(final.image).toBe(`node:${pinned}-bookworm-slim`);
  });

  it('runs the final stage as a non-root user', () => {
    const users = finalOf('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args.split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
  });

  it('downloads nothing outside the npm registry', () => {
    const commands = all.map((i) => `${i.keyword} ${i.args}`);
    expect(commands.filter((c) => /\b(curl|wget)\b/.test(c))).toEqual([]);
    expect(commands.filter((c) => /\b(apt-get|apt|apk)\s+(install|add)\b/.test(c))).toEqual([]);
    expect(all.filter((i) => i.keyword === 'ADD')).toEqual([]);
  });

  it('installs dependencies from the lockfile without running their install scripts', () => {
    const installs = all.filter((i) => i.keyword === 'RUN' && /\bnpm\s+(ci|install|i)\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) {
      expect(install.args).toMatch(/\bnpm ci\b/);
      expect(install.args).toMatch(/--ignore-scripts\b/);
    }
  });

  it('gives the final stage production dependencies only, from a prod-deps stage', () => {
    expect(finalOf('RUN').filter((i) => /\bnpm\s+(ci|install|i)\b/.test(i.args))).toEqual([]);
    const modulesCopies = finalOf('COPY').filter((i) => /\bnode_modules\b/.test(i.args));
    expect(modulesCopies.length).toBeGreaterThan(0);
    for (const copy of modulesCopies) {
      const from = /--from=(\S+)/.exec(copy.args)?.[1];
      const source = from === undefined ? undefined : stageNamed(from);
      const sourceInstalls = (source?.instructions ?? []).filter(
        (i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args),
      );
      expect({ copy: copy.args, installs: sourceInstalls.map((i) => i.args) }).toEqual({
        copy: copy.args,
        installs: [expect.stringMatching(/--omit=dev\b/)],
      });
    }
  });

  it('trims the production install to what the apps load (scripts/prune-runtime-modules.cjs)', () => {
    const prodDeps = stageNamed('prod-deps');
    const runs = (prodDeps?.instructions ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const install = runs.findIndex((args) => /\bnpm ci\b/.test(args));
    const prune = runs.findIndex((args) => /\bnode scripts\/prune-runtime-modules\.cjs\b/.test(args));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(prune).toBeGreaterThan(install);
  });

  it('ships what the apps read at run time, and no Prisma CLI, config or TypeScript sources', () => {
    const copied = finalOf('COPY').map((i) => i.args);
    for (const needed of ['prisma/migrations', 'proto', 'openapi.json', 'package.json']) {
      expect(copied.join('\n')).toMatch(new RegExp(`(^|\\s)${needed.replace('.', '\\.')}(\\s|$)`, 'm'));
    }
    for (const args of copied) {
      expect(args).not.toMatch(/\bprisma\.config\.ts\b|(^|\s)tools(\s|$)|\bsrc\b/);
      expect(args).not.toMatch(/--from=(deps|build)\s+\S*node_modules/);
    }
  });

  it('has a migrate target with the Prisma CLI, its config, prisma/ and the offline schema engine', () => {
    const migrate = stageNamed('migrate');
    expect(migrate?.image).toBe(final.image);
    const of = (keyword: string) => (migrate?.instructions ?? []).filter((i) => i.keyword === keyword);
    const copied = of('COPY')
      .map((i) => i.args)
      .join('\n');
    for (const needed of ['prisma.config.ts', 'prisma', 'tools', 'package.json', 'env-sources.ts']) {
      expect(copied).toMatch(new RegExp(`(^|\\s|/)${needed.replace('.', '\\.')}(\\s|$)`, 'm'));
    }
    // The Prisma CLI is a devDependency: the migrate target takes the full install.
    const modules = of('COPY').find((i) => /\bnode_modules\b/.test(i.args));
    const source = stageNamed(/--from=(\S+)/.exec(modules?.args ?? '')?.[1] ?? '');
    const installs = (source?.instructions ?? []).filter((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(installs.map((i) => i.args)).toEqual([expect.not.stringMatching(/--omit=dev\b/)]);
    expect(JSON.parse(of('CMD')[0]?.args ?? 'null')).toEqual(['npm', 'run', 'db:migrate']);
    const user = of('USER').at(-1)?.args.split(':')[0];
    expect(['root', '0', '', undefined]).not.toContain(user);
    expect(
      of('ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/\bNPM_CONFIG_CACHE=\/tmp\//);
  });

  it("defaults to the api in production mode, with node as PID 1 and start:api's command line", () => {
    const env = finalOf('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    const cmd = finalOf('CMD');
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0].args)).toEqual(startScript('start:api'));
    expect(finalOf('ENTRYPOINT')).toEqual([]);
  });

  it('runs the apps with two glibc malloc arenas (less resident memory under load, docs/runtime.md)', () => {
    const env = finalOf('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bMALLOC_ARENA_MAX=2\b/);
  });

  it('probes health with node if it declares a HEALTHCHECK', () => {
    for (const healthcheck of all.filter((i) => i.keyword === 'HEALTHCHECK')) {
      expect(healthcheck.args).toMatch(/\bnode\b/);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local installs, build output, git metadata and secrets out of the build context', () => {
    const patterns = dockerignorePatterns();
    for (const required of ['node_modules', 'dist', '.git', '.env', '.env.*', '.secrets', 'coverage']) {
      expect(patterns).toContain(required);
    }
  });
});
