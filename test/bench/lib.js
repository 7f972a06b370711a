// @ts-check
/**
 * Shared pieces of the benchmarks (`npm run bench`, `bench:*`): built apps started as child
 * processes with a production environment, `wrk` runs and their parsed output, /proc
 * readings, statistics, and the throwaway database and Redis prefix of one run — all removed
 * again by a cleanup stack that also runs on Ctrl-C.
 *
 * Everything here talks to 127.0.0.1 only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../support/ports.js';
import { createDatabase, databaseUrl, dropDatabase, randomDatabaseName } from '../support/test-database.js';
import { deleteRedisKeys as deleteKeysMatching } from '../support/test-redis.js';

/** The repository root (benchmarks run the built apps and the Prisma CLI from there). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * An integer knob from the environment (BENCH_DURATION and friends), else the default.
 * @param {string} name @param {number} fallback @param {number} [min] the smallest value allowed (1)
 */
export function knob(name, fallback, min = 1) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${raw}`);
  return value;
}

/** Progress goes to stderr: stdout carries only the report. @param {string} message */
export const progress = (message) => console.error(`[bench] ${message}`);

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export { freePort };

// ---------------------------------------------------------------------------------------------
// Statistics and /proc

/** The median (mean of the middle two for an even count); NaN for no values. @param {number[]} values */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Resident set size of a live process, in MiB (`VmRSS` of /proc/<pid>/status, Linux).
 * @param {number} pid
 */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status (process gone?)`);
  return Number(kib) / 1024;
}

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`: 100 on every Linux we run). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User + system CPU time of a process so far, in seconds (Linux /proc); NaN once it is gone.
 * The difference of two readings divided by the wall time between them is the cores it used.
 * @param {number} pid
 */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup

/**
 * A stack of cleanup steps run once, newest first: at the end of `main` (in `finally`), on
 * SIGINT/SIGTERM/SIGHUP, and — for child processes, synchronously — when this process exits
 * some other way. A failing step is reported and the others still run.
 */
export class Cleanup {
  /** @type {{ label: string, fn: () => unknown }[]} */
  #steps = [];
  /** @type {Promise<void> | undefined} */
  #running;
  /** @type {Set<import('node:child_process').ChildProcess>} */
  #children = new Set();
  /** @type {Set<number>} grandchildren (an app under a shell): killed with the children */
  #pids = new Set();

  constructor() {
    process.once('exit', () => this.#killAll());
  }

  #killAll() {
    for (const child of this.#children) if (isRunning(child)) child.kill('SIGKILL');
    for (const pid of this.#pids) signal(pid, 'SIGKILL');
  }

  /** @param {string} label @param {() => unknown} fn */
  add(label, fn) {
    this.#steps.push({ label, fn });
  }

  /** A child this process must never leave behind. @param {import('node:child_process').ChildProcess} child */
  track(child) {
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  /** A process that is not this one's child, killed like the children. @param {number} pid */
  trackPid(pid) {
    this.#pids.add(pid);
  }

  /** It has exited: its pid may be reused. @param {number} pid */
  untrackPid(pid) {
    this.#pids.delete(pid);
  }

  /** Runs every step once (later calls wait for the first run). @returns {Promise<void>} */
  run() {
    this.#running ??= (async () => {
      this.#killAll();
      for (const { label, fn } of this.#steps.splice(0).reverse()) {
        try {
          await fn();
        } catch (error) {
          console.error(`cleanup: ${label} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.#running;
  }

  /**
   * Ctrl-C (and SIGTERM/SIGHUP) cleans up and exits 128+n; `onSignal` lets the caller stop
   * its own loops first. A second Ctrl-C during cleanup exits at once.
   * @param {(signal: NodeJS.Signals) => void} [onSignal]
   */
  handleSignals(onSignal) {
    /** @type {[NodeJS.Signals, number][]} */
    const signals = [
      ['SIGINT', 2],
      ['SIGTERM', 15],
      ['SIGHUP', 1],
    ];
    let received = false;
    for (const [signal, number] of signals) {
      process.on(signal, () => {
        if (received) process.exit(128 + number);
        received = true;
        console.error(`\n${signal}: stopping and cleaning up…`);
        onSignal?.(signal);
        void this.run().finally(() => process.exit(128 + number));
      });
    }
  }
}

/** @param {import('node:child_process').ChildProcess} child */
function isRunning(child) {
  return child.exitCode === null && child.signalCode === null;
}

// ---------------------------------------------------------------------------------------------
// Throwaway database and Redis prefix

/**
 * Creates a database for one benchmark run and applies every migration with the project's
 * Prisma CLI (offline schema engine, see prisma.config.ts). Its drop is registered with
 * `cleanup` as soon as it exists, so an interrupted migration leaves nothing behind either.
 * @param {Cleanup} cleanup
 * @param {string} [prefix]
 * @returns {Promise<{ name: string, url: string }>}
 */
export async function createBenchDatabase(cleanup, prefix = 'gw_bench') {
  const name = randomDatabaseName(prefix);
  const url = databaseUrl(name);
  await createDatabase(name);
  cleanup.add(`drop database ${name}`, () => dropDatabase(name));
  const result = await runCommand(
    process.execPath,
    ['node_modules/prisma/build/index.js', 'migrate', 'deploy'],
    { ...process.env, DATABASE_URL: url },
    120_000,
    cleanup,
  );
  if (result.code !== 0) {
    throw new Error(
      `prisma migrate deploy failed (exit ${result.code}):\n${(result.stdout + result.stderr).slice(-4000)}`,
    );
  }
  return { name, url };
}

export { dropDatabase };

/** A Redis key prefix for one run (REDIS_KEY_PREFIX: every key is `<prefix>:…`). */
export function randomRedisPrefix(prefix = 'gwbench') {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/**
 * Deletes every key under `<prefix>:` (what REDIS_KEY_PREFIX=<prefix> creates, BullMQ included).
 * @param {string} prefix @param {string} [url]
 * @returns {Promise<number>} how many keys were deleted
 */
export async function deleteRedisKeys(prefix, url = REDIS_URL) {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`refusing to delete keys of prefix ${JSON.stringify(prefix)}`);
  return deleteKeysMatching(url, `${prefix}:*`);
}

/**
 * One run's own folder (logs, files), Redis key prefix and migrated database, each removed by
 * `cleanup` at the end (the folder is kept, and named, with `keep`).
 * @param {Cleanup} cleanup @param {string} name the folder is `gw-bench-<name>-…` in the temp dir
 * @param {{ folderLabel?: string, keep?: boolean }} [options] folderLabel: how the folder's
 *   removal is named in cleanup messages
 * @returns {Promise<{ workDir: string, redisKeyPrefix: string, database: { name: string, url: string } }>}
 */
export async function benchRun(cleanup, name, options = {}) {
  const { folderLabel = 'remove logs', keep = false } = options;
  const workDir = mkdtempSync(path.join(os.tmpdir(), `gw-bench-${name}-`));
  if (keep) progress(`logs kept in ${workDir}`);
  else cleanup.add(folderLabel, () => rmSync(workDir, { recursive: true, force: true }));
  const redisKeyPrefix = randomRedisPrefix();
  cleanup.add(`delete Redis keys ${redisKeyPrefix}:*`, () => deleteRedisKeys(redisKeyPrefix));
  progress('creating and migrating the bench database');
  const database = await createBenchDatabase(cleanup);
  return { workDir, redisKeyPrefix, database };
}

// ---------------------------------------------------------------------------------------------
// The api as the benchmarks' user sees it

/**
 * One JSON request to the api: its status and parsed body, whatever the status.
 * @template T
 * @param {string} url @param {RequestInit & { token?: string }} [init]
 * @returns {Promise<{ status: number, body: T, text: string }>}
 */
export async function callApi(url, init = {}) {
  const { token, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(rest.headers ?? {}),
    },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: /** @type {T} */ (text ? JSON.parse(text) : undefined), text };
}

/**
 * One JSON request to the api; throws on an error status. The caller names the answer's shape.
 * @template T
 * @param {string} url @param {RequestInit & { token?: string }} [init]
 * @returns {Promise<T>}
 */
export async function api(url, init = {}) {
  const { status, body, text } = await callApi(url, init);
  if (status >= 400) throw new Error(`${init.method ?? 'GET'} ${url} answered ${status}: ${text}`);
  return /** @type {T} */ (body);
}

/**
 * Registers `user` through the api, marks the address verified in the database (no mail is
 * read in a benchmark) and signs in.
 * @param {string} base @param {string} databaseUrl
 * @param {{ email: string, password: string, name: string }} user
 * @returns {Promise<string>} the access token
 */
export async function signUpVerified(base, databaseUrl, user) {
  await api(`${base}/v1/auth/register`, { method: 'POST', body: JSON.stringify(user) });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [user.email]);
  } finally {
    await db.end();
  }
  const { accessToken } = /** @type {{ accessToken: string }} */ (
    await api(`${base}/v1/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ email: user.email, password: user.password }),
    })
  );
  return accessToken;
}

/**
 * A workspace (`Bench`, slug `bench`), one project and one task in it, created through the api.
 * @param {string} base @param {string} token
 * @param {{ project?: { name: string, key: string }, title?: string }} [names]
 * @returns {Promise<{ workspace: { id: string }, project: { id: string }, task: { id: string } }>}
 */
export async function createBenchTask(base, token, names = {}) {
  const { project: projectNames = { name: 'Bench', key: 'BEN' }, title = 'Read me' } = names;
  /** @type {{ id: string }} */
  const workspace = await api(`${base}/v1/workspaces`, {
    method: 'POST',
    token,
    body: JSON.stringify({ name: 'Bench', slug: 'bench' }),
  });
  /** @type {{ id: string }} */
  const project = await api(`${base}/v1/workspaces/${workspace.id}/projects`, {
    method: 'POST',
    token,
    body: JSON.stringify(projectNames),
  });
  /** @type {{ id: string }} */
  const task = await api(`${base}/v1/workspaces/${workspace.id}/tasks`, {
    method: 'POST',
    token,
    body: JSON.stringify({ projectId: project.id, title }),
  });
  return { workspace, project, task };
}

// ---------------------------------------------------------------------------------------------
// Production environment of the built apps

/** Fresh production secrets: one EC P-256 signing key (PKCS#8 PEM) and a 32-byte encryption key. */
export function generateSecrets() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    JWT_SIGNING_KEYS: /** @type {string} */ (privateKey.export({ type: 'pkcs8', format: 'pem' })),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}

/**
 * Everything NODE_ENV=production requires, pointing at 127.0.0.1 only. SMTP goes to a port
 * nothing needs to listen on unless the benchmark sends mail. The drain delay is 0 so that
 * stopping an app between measurements is quick; nothing else differs from the defaults.
 * @param {{ databaseUrl: string, redisKeyPrefix: string, port: number, workerPort: number,
 *   secrets: { JWT_SIGNING_KEYS: string, ENCRYPTION_KEY: string }, logLevel?: string }} options
 * @returns {Record<string, string>}
 */
export function productionEnv(options) {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: options.logLevel ?? 'info',
    PORT: String(options.port),
    WORKER_PORT: String(options.workerPort),
    // The api's scrape port: any free one, so benchmarks never collide on the default.
    METRICS_PORT: '0',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: options.redisKeyPrefix,
    SMTP_URL: 'smtp://127.0.0.1:2525',
    APP_WEB_URL: 'http://localhost:5173',
    PUBLIC_API_URL: `http://127.0.0.1:${options.port}`,
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...options.secrets,
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * Runs a command to completion (bounded by `timeoutMs`), capturing its output.
 * @param {string} command @param {string[]} args @param {NodeJS.ProcessEnv} env @param {number} timeoutMs
 * @param {Cleanup} [cleanup] kills it if still running
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export function runCommand(command, args, env, timeoutMs, cleanup) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup?.track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * One HTTP GET on 127.0.0.1 without keep-alive; resolves with the status and body, rejects on
 * a connection error or after `timeoutMs`.
 * @param {string} url @param {number} [timeoutMs]
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: string }>}
 */
export function httpGet(url, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * @typedef {object} StartOptions
 * @property {string} name label in messages
 * @property {string} [script] entry point, relative to the repository root or absolute, run as `node <script>`
 * @property {string} [npmScript] instead of `script`: the name of a package.json script (`start:api`), whose
 *   command runs the way `npm run` runs it (`sh -c <command>` in the repository root) with the directory of
 *   `node` first on PATH — so its `node` is the one chosen, as node_modules/.bin/node is under `npm run`
 * @property {string} [node] the Node.js binary (default: the one running this process)
 * @property {Record<string, string>} env the child's whole environment, on top of PATH/HOME/TMPDIR/LANG/TZ
 *   (nothing else is inherited, so a stray variable in the caller's shell cannot change what is measured)
 * @property {string} readyUrl polled (every 10 ms) until it answers 200
 * @property {string[]} [nodeArgs] e.g. `['--cpu-prof']`
 * @property {string} [logFile] stdout and stderr are appended there (default /dev/null): a file, not a
 *   pipe into this process, so reading the logs costs the measurement nothing
 * @property {number} [timeoutMs] boot deadline (default 30 s)
 * @property {Cleanup} [cleanup] the child is killed by this cleanup if still running
 * @property {string} [cwd] the working directory (default: the repository root); another release's
 *   build runs in its own tree, where it reads its own `prisma/migrations`
 */

/**
 * @typedef {object} AppProcess
 * @property {string} name
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} pid the app's node process (a shell's child when started through `npmScript`)
 * @property {number} readyMs spawn → first 200 on `readyUrl`
 * @property {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} exited
 * @property {(graceMs?: number) => Promise<{ code: number | null, signal: NodeJS.Signals | null }>} stop
 *   SIGTERM, then SIGKILL after `graceMs` (default 10 s)
 * @property {() => string} logTail the last 4 KB of its log file
 */

const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

/** Sends a signal to a process that may be gone already. @param {number} pid @param {NodeJS.Signals} name */
function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // gone
  }
}

/** The command line of a package.json script. @param {string} name */
export function packageScript(name) {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const command = manifest.scripts?.[name];
  if (typeof command !== 'string') throw new Error(`package.json has no script ${name}`);
  return command;
}

/**
 * `pid` itself if it runs a `node` binary, else its first descendant that does (a shell may
 * fork instead of exec). Linux /proc.
 * @param {number} pid
 * @returns {number}
 */
export function nodeProcessOf(pid) {
  const isNode = (/** @type {number} */ p) => {
    try {
      return path.basename(readlinkSync(`/proc/${p}/exe`)) === 'node';
    } catch {
      return false;
    }
  };
  /** @type {number[]} */
  const queue = [pid];
  while (queue.length > 0) {
    const current = /** @type {number} */ (queue.shift());
    if (isNode(current)) return current;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === current) queue.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
  }
  throw new Error(`no node process at or under pid ${pid}`);
}

/** The major version of a Node.js binary (`v24.21.0` → 24). @param {string} node */
export function nodeVersionOf(node) {
  const probe = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`cannot run ${node} --version: ${probe.error?.message ?? probe.stderr}`);
  return probe.stdout.trim();
}

/**
 * Starts `node <script>` (or a package.json script, see `npmScript`) and waits until
 * `readyUrl` answers 200. Fails with the end of the app's log if it exits or misses the
 * deadline (and then kills it).
 * @param {StartOptions} options
 * @returns {Promise<AppProcess>}
 */
export async function startApp(options) {
  const logFile = options.logFile ?? '/dev/null';
  const fd = openSync(logFile, 'a');
  const baseEnv = Object.fromEntries(INHERITED_ENV.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
  const node = options.node ?? process.execPath;
  /** @type {[string, string[]]} */
  const [command, args] = options.npmScript
    ? ['/bin/sh', ['-c', packageScript(options.npmScript)]]
    : [node, [...(options.nodeArgs ?? []), /** @type {string} */ (options.script)]];
  if (options.npmScript && options.nodeArgs?.length) throw new Error('nodeArgs apply to `script` only');
  const env = { ...baseEnv, ...options.env };
  if (options.npmScript) env.PATH = `${path.dirname(node)}:${env.PATH ?? ''}`;
  const startedAt = performance.now();
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  options.cleanup?.track(child);
  /** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} */
  const exited = new Promise((resolve) => {
    if (!isRunning(child)) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const logTail = () => (logFile === '/dev/null' ? '(logs went to /dev/null)' : tail(logFile, 4096));
  /** @type {number | undefined} the node process, known once it is ready */
  let nodePid;
  /** @type {AppProcess['stop']} */
  const stop = async (graceMs = 10_000) => {
    // Through a shell, the signal goes to node (as a terminal's would); the shell exits with its status.
    if (isRunning(child)) signal(nodePid ?? /** @type {number} */ (child.pid), 'SIGTERM');
    const timer = setTimeout(() => {
      if (isRunning(child)) {
        if (nodePid !== undefined) signal(nodePid, 'SIGKILL');
        child.kill('SIGKILL');
      }
    }, graceMs);
    const exit = await exited;
    clearTimeout(timer);
    if (nodePid !== undefined) options.cleanup?.untrackPid(nodePid);
    return exit;
  };

  const deadline = startedAt + (options.timeoutMs ?? 30_000);
  let spawnError = /** @type {Error | undefined} */ (undefined);
  child.once('error', (error) => (spawnError = error));
  for (;;) {
    if (spawnError || !isRunning(child)) {
      const exit = await Promise.race([exited, sleep(100).then(() => undefined)]);
      throw new Error(
        `${options.name} exited during boot (${spawnError?.message ?? JSON.stringify(exit)}):\n${logTail()}`,
      );
    }
    const status = await httpGet(options.readyUrl, 1000).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) break;
    if (performance.now() > deadline) {
      if (options.npmScript) signal(nodeProcessOf(/** @type {number} */ (child.pid)), 'SIGKILL');
      child.kill('SIGKILL');
      throw new Error(
        `${options.name} never answered 200 on ${options.readyUrl} (last: ${status || 'no connection'}):\n${logTail()}`,
      );
    }
    await sleep(10);
  }
  const readyMs = performance.now() - startedAt;
  nodePid = options.npmScript ? nodeProcessOf(/** @type {number} */ (child.pid)) : /** @type {number} */ (child.pid);
  if (nodePid !== child.pid) options.cleanup?.trackPid(nodePid);
  return { name: options.name, child, pid: nodePid, readyMs, exited, stop, logTail };
}

/** The last `bytes` of a file. @param {string} file @param {number} bytes */
function tail(file, bytes) {
  try {
    const size = statSync(file).size;
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(bytes, size));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return `(cannot read ${file}: ${error instanceof Error ? error.message : String(error)})`;
  }
}

// ---------------------------------------------------------------------------------------------
// wrk

/**
 * The built api in production mode, started as production starts it (`npm run start:api`) or,
 * given `script`, that script embedding it, against one run's database and Redis prefix, with
 * the rate limit raised so wrk is not answered 429; resolves once it is ready. Its log goes to
 * `<workDir>/<logName>.log`.
 * @param {{ workDir: string, redisKeyPrefix: string, database: { url: string } }} run
 * @param {{ name?: string, script?: string, nodeArgs?: string[], port?: number,
 *   secrets: { JWT_SIGNING_KEYS: string, ENCRYPTION_KEY: string },
 *   env?: Record<string, string>, logName?: string, timeoutMs?: number, cleanup: Cleanup }} options
 * @returns {Promise<{ app: AppProcess, base: string, port: number, env: Record<string, string> }>}
 */
export async function startBenchApi(run, options) {
  const port = options.port ?? (await freePort());
  const env = {
    ...productionEnv({
      databaseUrl: run.database.url,
      redisKeyPrefix: run.redisKeyPrefix,
      port,
      workerPort: await freePort(),
      secrets: options.secrets,
      logLevel: 'warn',
    }),
    RATE_LIMIT_PER_MINUTE: '100000000',
    ...options.env,
  };
  const app = await startApp({
    name: options.name ?? 'api',
    ...(options.script === undefined
      ? { npmScript: 'start:api' }
      : { script: options.script, nodeArgs: options.nodeArgs ?? [] }),
    env,
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
    logFile: path.join(run.workDir, `${options.logName ?? 'api'}.log`),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    cleanup: options.cleanup,
  });
  return { app, base: `http://127.0.0.1:${port}`, port, env };
}

/** Fails with how to install it when `wrk` is not on the PATH. */
export function assertWrkInstalled() {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  const error = /** @type {NodeJS.ErrnoException | undefined} */ (probe.error);
  if (error?.code === 'ENOENT') {
    throw new Error(
      'wrk is not installed (the benchmarks generate load with it, see docs/architecture.md, runtime facts).\n' +
        'Install the Debian package: apt-get update && apt-get install -y wrk',
    );
  }
  if (error) throw new Error(`cannot run wrk: ${error.message}`);
  return /^wrk (\S+)/m.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? 'unknown';
}

/**
 * @typedef {object} WrkResult
 * @property {number} requestsPerSec `Requests/sec`
 * @property {number} requests completed requests
 * @property {number} durationSec measured duration
 * @property {number} bytesRead bytes read (headers and bodies)
 * @property {{ avg: number, stdev: number, max: number, p50: number, p75: number, p90: number, p99: number }} latencyMs
 * @property {{ connect: number, read: number, write: number, timeout: number }} socketErrors
 * @property {number} non2xx3xx responses with another status
 * @property {string} output wrk's whole output
 */

/**
 * Runs `wrk --latency` against a 127.0.0.1 URL and parses its report. Bounded: wrk stops after
 * `durationSec`, and is killed if it has not after 15 s more.
 * @param {{ url: string, threads?: number, connections?: number, durationSec: number, timeoutSec?: number,
 *   headers?: Record<string, string>, script?: string, signal?: AbortSignal }} options
 * @returns {Promise<WrkResult>}
 */
export async function runWrk(options) {
  const url = new URL(options.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`benchmarks target 127.0.0.1 only, not ${url.hostname}`);
  const args = [
    `-t${options.threads ?? 1}`,
    `-c${options.connections ?? 32}`,
    `-d${options.durationSec}s`,
    `--timeout`,
    `${options.timeoutSec ?? 5}s`,
    '--latency',
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    ...(options.script ? ['-s', options.script] : []),
    url.toString(),
  ];
  const result = await new Promise(
    /** @param {(value: { code: number | null, stdout: string, stderr: string }) => void} resolve @param {(e: Error) => void} reject */
    (resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += String(chunk)));
      child.stderr.on('data', (chunk) => (stderr += String(chunk)));
      const kill = () => child.kill('SIGKILL');
      const timer = setTimeout(kill, (options.durationSec + 15) * 1000);
      options.signal?.addEventListener('abort', kill, { once: true });
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', kill);
        resolve({ code, stdout, stderr });
      });
    },
  );
  if (result.code !== 0)
    throw new Error(`wrk ${args.join(' ')} failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  return parseWrkOutput(result.stdout);
}

/** @type {Record<string, number>} */
const TIME_UNITS_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** @type {Record<string, number>} */
const SIZE_UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `4.12ms` → 4.12, `1.02s` → 1020. @param {string} text */
export function parseWrkDuration(text) {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`not a wrk duration: ${JSON.stringify(text)}`);
  return Number(match[1]) * TIME_UNITS_MS[match[2]];
}

/**
 * Parses wrk 4's report (`--latency`): `Requests/sec`, the thread stats' latency line, the
 * latency distribution (50/75/90/99 %), totals, socket errors and non-2xx/3xx responses.
 * @param {string} output
 * @returns {WrkResult}
 */
export function parseWrkOutput(output) {
  /** @param {RegExp} re @param {string} what */
  const need = (re, what) => {
    const match = re.exec(output);
    if (!match) throw new Error(`wrk output has no ${what}:\n${output}`);
    return match;
  };
  const rps = need(/^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec');
  const latency = need(/^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m, 'latency thread stats');
  /** @param {number} p */
  const percentile = (p) =>
    parseWrkDuration(need(new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+(\\S+)`, 'm'), `${p}% latency`)[1]);
  const totals = need(/^\s*(\d+) requests in (\S+), ([\d.]+)([KMGT]?B) read/m, 'totals');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requestsPerSec: Number(rps[1]),
    requests: Number(totals[1]),
    durationSec: parseWrkDuration(totals[2]) / 1000,
    bytesRead: Number(totals[3]) * SIZE_UNITS[totals[4]],
    latencyMs: {
      avg: parseWrkDuration(latency[1]),
      stdev: parseWrkDuration(latency[2]),
      max: parseWrkDuration(latency[3]),
      p50: percentile(50),
      p75: percentile(75),
      p90: percentile(90),
      p99: percentile(99),
    },
    socketErrors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
    },
    non2xx3xx: Number(non2xx?.[1] ?? 0),
    output,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

/**
 * A plain-text table: the first row is the header; numbers are right-aligned.
 * @param {(string | number)[][]} rows
 */
export function formatTable(rows) {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (/** @type {string[]} */ row, /** @type {number} */ r) =>
    row
      .map((cell, i) => (r > 0 && typeof rows[r][i] === 'number' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const [header, ...body] = cells;
  return [line(header, 0), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map((row, i) => line(row, i + 1))].join(
    '\n',
  );
}

/** Rounds for reports. @param {number} value @param {number} [digits] */
export function round(value, digits = 0) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Fails with the build command when a built entry point is missing. @param {string[]} paths */
export function assertBuilt(paths) {
  const missing = paths.filter((p) => !existsSync(new URL(p, `file://${ROOT}`)));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run \`npm run build\` first`);
}
