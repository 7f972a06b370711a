// @ts-check
/**
 * The previous release, for the schema roll of `npm run rolling-restart`: the code that runs
 * while this tree's newest migrations are applied under it, as in a Kubernetes rolling update
 * (old pods serve, the migration Job runs, new pods replace the old ones).
 *
 * "Previous" is the newest commit on this branch's first-parent line before the newest
 * migration arrived (`ROLLING_FROM`, any git ref, overrides it). Its tree is exported with
 * `git archive` and built once into the temporary directory (kept: the next run reuses it; outside
 * the checkout, where Jest would find its packages a second time), on this checkout's node_modules
 * except the workspace packages, which point at its own libs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { progress, ROOT } from '../bench/lib.js';

/** @typedef {{ commit: string, dir: string, migrations: string[] }} Release */

/** The migration directories of a tree, oldest first. @param {string} root */
export function migrationsOf(root) {
  return readdirSync(path.join(root, 'prisma', 'migrations'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** @param {string[]} args */
function git(args) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** The commit of the previous release (see the file's header). */
export function previousReleaseCommit() {
  if (process.env.ROLLING_FROM) return git(['rev-parse', '--verify', `${process.env.ROLLING_FROM}^{commit}`]);
  const newest = migrationsOf(ROOT).at(-1);
  if (!newest) throw new Error('no migrations in prisma/migrations');
  // With --first-parent a merge counts as adding what its branch brought.
  const added = git([
    'log',
    '--first-parent',
    '--diff-filter=A',
    '--format=%H',
    '-1',
    '--',
    `prisma/migrations/${newest}/migration.sql`,
  ]);
  // Not committed yet: HEAD is the release before it.
  const previous = added ? `${added}^1` : 'HEAD';
  try {
    return git(['rev-parse', '--verify', '--quiet', `${previous}^{commit}`]);
  } catch {
    throw new Error(
      `${previous} is not in this clone (a shallow clone?): fetch the history or set ROLLING_FROM to the previous release`,
    );
  }
}

/**
 * Runs a command in `cwd`; rejects with the end of its output when it fails or outlives `timeoutMs`.
 * @param {string} cwd @param {string} command @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 */
function run(cwd, command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output = (output + String(chunk)).slice(-4000)));
    child.stderr.on('data', (chunk) => (output = (output + String(chunk)).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(undefined);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`));
    });
  });
}

/**
 * This checkout's node_modules, entry by entry, except the workspace packages (@groundwork/*),
 * which link to the release's own libs. @param {string} dir
 */
function linkNodeModules(dir) {
  const target = path.join(dir, 'node_modules');
  mkdirSync(target);
  for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry === '@groundwork') continue;
    symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(target, entry));
  }
  mkdirSync(path.join(target, '@groundwork'));
  for (const lib of readdirSync(path.join(dir, 'libs'))) {
    const manifest = path.join(dir, 'libs', lib, 'package.json');
    if (!existsSync(manifest)) continue;
    const name = String(JSON.parse(readFileSync(manifest, 'utf8')).name ?? '');
    if (name.startsWith('@groundwork/'))
      symlinkSync(
        path.join('..', '..', 'libs', lib),
        path.join(target, '@groundwork', name.slice('@groundwork/'.length)),
      );
  }
}

/**
 * The previous release, built (or found built by an earlier run).
 * @returns {Promise<Release>}
 */
export async function previousRelease() {
  const commit = previousReleaseCommit();
  const checkout = createHash('sha256').update(ROOT).digest('hex').slice(0, 8);
  const dir = path.join(os.tmpdir(), `groundwork-release-${commit.slice(0, 12)}-${checkout}`);
  // Written last: a build that was interrupted is started over.
  const builtMarker = path.join(dir, '.built');
  if (!existsSync(builtMarker)) {
    progress(`building the previous release ${commit.slice(0, 12)} in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await run(ROOT, 'sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${dir}"`]);
    linkNodeModules(dir);
    // What its `npm run build` runs: prisma generate, then tsc -b.
    await run(dir, process.execPath, ['node_modules/prisma/build/index.js', 'generate']);
    await run(dir, process.execPath, ['node_modules/typescript/bin/tsc', '-b']);
    writeFileSync(builtMarker, `${commit}\n`);
  }
  return { commit, dir, migrations: migrationsOf(dir) };
}

/**
 * `prisma migrate deploy` of a tree (its prisma.config.ts and migrations) on `databaseUrl`, as
 * the migration Job runs it. Resolves with how long it took.
 * @param {string} root @param {string} databaseUrl
 */
export async function migrateDeploy(root, databaseUrl) {
  const started = Date.now();
  await run(root, process.execPath, ['node_modules/prisma/build/index.js', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    timeoutMs: 120_000,
  });
  return Date.now() - started;
}
