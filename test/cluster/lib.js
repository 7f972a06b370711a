// @ts-check
/**
 * The local cluster of `npm run cluster`, `rolling-restart`, `chaos` and `load`: two api and two
 * worker processes (the built apps, started the way `npm run start:api|start:worker` start
 * them, NODE_ENV=production) behind HAProxy (deploy/haproxy/haproxy.cfg), on their own
 * PostgreSQL and Redis — never the machine's shared ones, so a fault injected here harms nobody
 * else. Everything listens on 127.0.0.1.
 *
 * A running cluster describes itself in `<dir>/state.json` and `var/cluster/<port>.json`
 * points at it, so a script started while `npm run cluster` runs drives that cluster instead of
 * starting its own.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { migrateDeploy } from './previous-release.js';
import {
  Cleanup,
  freePort,
  generateSecrets,
  httpGet,
  progress,
  ROOT,
  runCommand,
  sleep,
  startApp,
} from '../bench/lib.js';

export { Cleanup, progress, sleep };

/** The proxy's public port: `CLUSTER_PORT`, default 8080. */
export function clusterPort() {
  const raw = process.env.CLUSTER_PORT ?? '8080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`CLUSTER_PORT must be a port, got ${raw}`);
  return port;
}

/**
 * The cluster's own settings, in one place: what differs from a plain production deployment
 * and why. Everything else is the apps' production default.
 * @param {{ smtpPort: number }} peers
 */
export function clusterOverrides(peers) {
  return {
    // Mail goes to the cluster's SMTP sink on 127.0.0.1 (it accepts and counts every message).
    SMTP_URL: `smtp://127.0.0.1:${peers.smtpPort}`,
    // The scripts' webhook receivers listen on 127.0.0.1 over plain HTTP.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_RETRY_DELAYS: '500ms,1s,2s,5s,10s',
    // The load generators are a handful of callers: the per-caller limit would throttle them.
    RATE_LIMIT_PER_MINUTE: '10000000',
    // HAProxy on loopback is the only hop whose X-Forwarded-For is believed.
    TRUST_PROXY: 'loopback',
    // Two failed health checks (1 s apart) take a draining instance out before it stops listening.
    SHUTDOWN_DRAIN_DELAY_MS: '2500',
    LOG_LEVEL: 'warn',
  };
}

/**
 * What `npm run start:<app>` of the tree `root` runs (package.json: `node [--v8-flag …] <file>`),
 * split so the instance is the node process itself (signals reach it, not a shell).
 * @param {'api' | 'worker'} app @param {string} [root] this checkout, or another release's build
 * @returns {{ script: string, nodeArgs: string[] }}
 */
export function startScript(app, root = ROOT) {
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  const command = String(scripts[`start:${app}`] ?? '');
  const match = /^node((?:\s+--\S+)*)\s+(\S+)$/.exec(command.trim());
  if (!match) throw new Error(`package.json start:${app} is not "node [--flag …] <file>": ${command}`);
  const [, flags, script] = match;
  if (!existsSync(path.join(root, script)))
    throw new Error(`missing ${script} in ${root}: run \`npm run build\` first`);
  return { script: path.join(root, script), nodeArgs: flags.trim().split(/\s+/).filter(Boolean) };
}

// ---------------------------------------------------------------------------------------------
// System packages

/** Installs Debian's haproxy when it is missing (as root), else explains how. */
export function ensureHaproxy() {
  if (spawnSync('haproxy', ['-v']).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('haproxy is not installed: apt-get install -y haproxy');
  progress('installing Debian haproxy');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'haproxy'], { stdio: 'inherit' });
}

/** The newest PostgreSQL server binaries on this machine (Debian's /usr/lib/postgresql/<n>/bin). */
function postgresBinDir() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdir(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(base, versions[0], 'bin');
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0) return path.dirname(which.stdout.trim());
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install -y postgresql');
}

/** @param {string} dir */
function readdir(dir) {
  return /** @type {string[]} */ (spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
}

// ---------------------------------------------------------------------------------------------
// The cluster's own PostgreSQL and Redis

/**
 * A PostgreSQL cluster in a directory of its own (initdb), on its own port. PostgreSQL refuses
 * to run as root: as root (CI) it runs as the `postgres` user, which owns the directory.
 */
export class OwnPostgres {
  /** @param {{ dir: string, port: number, logStatements?: boolean }} options */
  constructor(options) {
    this.dir = options.dir;
    this.port = options.port;
    this.logStatements = options.logStatements ?? false;
    this.logFile = path.join(this.dir, 'postgres.log');
    this.dataDir = path.join(this.dir, 'data');
    this.bin = postgresBinDir();
  }

  /** @param {string} tool @param {string[]} args */
  run(tool, args) {
    const command = path.join(this.bin, tool);
    const asRoot = process.getuid?.() === 0;
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  }

  /**
   * The same, without blocking this process's event loop (load keeps flowing meanwhile).
   * @param {string} tool @param {string[]} args
   */
  async runAsync(tool, args) {
    const command = path.join(this.bin, tool);
    const [file, argv] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    const result = await runCommand(file, argv, process.env, 120_000);
    if (result.code !== 0) {
      const log = tailOf(path.join(this.dir, 'postgres.log'));
      throw new Error(`${tool} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}\npostgres.log:\n${log}`);
    }
  }

  init() {
    mkdirSync(this.dir, { recursive: true });
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.dir, uid, gid);
    }
    this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  }

  async start() {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      `-c listen_addresses=127.0.0.1`,
      `-c max_connections=200`,
      // A scratch cluster: an OS crash may lose it (fsync off); a process restart loses nothing.
      `-c fsync=off`,
      `-c full_page_writes=off`,
      // Every statement the apps send, for `npm run db:capture-queries`.
      // Each line starts with the connection's application_name (no spaces or shell characters: pg_ctl hands -o to a shell).
      ...(this.logStatements ? ['-c log_statement=all', '-c log_line_prefix=%a:'] : []),
    ].join(' ');
    await this.runAsync('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', 'start']);
  }

  /** A fast shutdown (every session terminated with 57P01) and a start. */
  async restart() {
    await this.runAsync('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    await this.start();
  }

  stop() {
    if (existsSync(path.join(this.dataDir, 'postmaster.pid')))
      this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** @param {string} database */
  url(database) {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** @param {string} name */
  async createDatabase(name) {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
  }
}

/**
 * A redis-server of the cluster's own, persisting to an append-only file: BullMQ's queues live
 * in Redis, and a restart without persistence would lose every waiting job.
 */
export class OwnRedis {
  /** @param {{ dir: string, port: number }} options */
  constructor(options) {
    this.dir = options.dir;
    this.port = options.port;
    /** @type {number | undefined} */
    this.pid = undefined;
  }

  async start() {
    mkdirSync(this.dir, { recursive: true });
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--maxmemory-policy',
        'noeviction',
        '--logfile',
        path.join(this.dir, 'redis.log'),
      ],
      { stdio: 'ignore', detached: true },
    );
    child.unref();
    this.pid = child.pid;
    for (let i = 0; i < 500; i += 1) {
      if (await redisAnswers(this.port)) return;
      await sleep(20);
    }
    throw new Error(`redis-server on ${this.port} did not answer:\n${tailOf(path.join(this.dir, 'redis.log'))}`);
  }

  /** SHUTDOWN (the append-only file is flushed), then the same server again. */
  async restart() {
    await this.stop();
    await this.start();
  }

  async stop() {
    if (this.pid === undefined) return;
    const pid = this.pid;
    this.pid = undefined;
    await redisCommand(this.port, 'SHUTDOWN').catch(() => undefined);
    await waitForExit(pid, 10_000);
  }

  url() {
    return `redis://127.0.0.1:${this.port}`;
  }
}

/** @param {number} port */
async function redisAnswers(port) {
  return redisCommand(port, 'PING').then(
    (reply) => reply.startsWith('+PONG'),
    () => false,
  );
}

/** One inline Redis command; resolves with the raw reply (or '' when the server closed). @param {number} port @param {string} command */
function redisCommand(port, command) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('redis: no answer')));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += String(chunk);
      if (reply.endsWith('\r\n')) socket.end();
    });
    socket.once('close', () => resolve(reply));
    socket.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Processes by pid (an attached script stops processes another script started)

/** @param {number} pid */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** @param {number} pid */
function isZombie(pid) {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resolves once the process is gone, or false after `timeoutMs`. @param {number} pid @param {number} timeoutMs */
export async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** @param {string} file */
function tailOf(file) {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return `(no ${file})`;
  }
}

// ---------------------------------------------------------------------------------------------
// SMTP sink

/** Accepts every message on 127.0.0.1 and counts them. */
export async function startSmtpSink() {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received += 1;
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  return {
    port,
    received: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

// ---------------------------------------------------------------------------------------------
// HAProxy's runtime API

/** Sends one command to the runtime API socket and returns its answer. @param {string} socketPath @param {string} command */
export function haproxyCommand(socketPath, command) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`haproxy: no answer to ${command}`)));
    socket.once('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk) => (answer += String(chunk)));
    socket.once('close', () => resolve(answer));
    socket.once('error', reject);
  });
}

/**
 * The api servers as HAProxy sees them: status (UP, DOWN, DRAIN, MAINT…) and current sessions.
 * @param {string} socketPath
 * @returns {Promise<Map<string, { status: string, sessions: number }>>}
 */
export async function haproxyServers(socketPath) {
  const csv = /** @type {string} */ (await haproxyCommand(socketPath, 'show stat'));
  const lines = csv.split('\n').filter(Boolean);
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (/** @type {string} */ name) => header.indexOf(name);
  const servers = new Map();
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    if (cells[col('pxname')] !== 'api' || ['FRONTEND', 'BACKEND'].includes(cells[col('svname')] ?? '')) continue;
    servers.set(cells[col('svname')], {
      status: cells[col('status')] ?? '',
      sessions: Number(cells[col('scur')] ?? 0),
    });
  }
  return servers;
}

/**
 * Requests HAProxy has passed to the api backend so far (`stot` of the BACKEND row): what a
 * request cut off at the proxy never adds to.
 * @param {string} socketPath
 */
export async function haproxyBackendRequests(socketPath) {
  const csv = /** @type {string} */ (await haproxyCommand(socketPath, 'show stat'));
  const lines = csv.split('\n').filter(Boolean);
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const row = lines.find((line) => line.startsWith('api,BACKEND,'));
  if (!row) throw new Error(`no api backend in haproxy's stats:\n${csv.slice(0, 500)}`);
  return Number(row.split(',')[header.indexOf('stot')]);
}

// ---------------------------------------------------------------------------------------------
// The cluster

/**
 * @typedef {object} InstanceState
 * @property {string} name api1, api2, worker1, worker2
 * @property {'api' | 'worker'} kind
 * @property {number} port the api's PORT, or the worker's WORKER_PORT
 * @property {Record<string, string>} env the instance's own variables on top of the shared ones
 * @property {number} pid
 * @property {string} logFile
 * @property {string} [root] the code it runs: this checkout (absent) or another release's build
 */

/**
 * @typedef {object} ClusterState
 * @property {number} port
 * @property {string} dir
 * @property {number} ownerPid the process that started the cluster (and stops it)
 * @property {{ pid: number, socket: string }} haproxy
 * @property {{ dir: string, port: number }} postgres
 * @property {{ dir: string, port: number, pid: number | undefined }} redis
 * @property {string} databaseUrl
 * @property {Record<string, string>} env shared by every instance
 * @property {InstanceState[]} instances
 */

export class Cluster {
  /** @param {ClusterState} state @param {boolean} owned */
  constructor(state, owned) {
    this.state = state;
    this.owned = owned;
    this.postgres = new OwnPostgres(state.postgres);
    this.redis = new OwnRedis(state.redis);
    this.redis.pid = state.redis.pid;
  }

  get url() {
    return `http://127.0.0.1:${this.state.port}`;
  }

  get databaseUrl() {
    return this.state.databaseUrl;
  }

  /** @param {'api' | 'worker'} kind */
  instances(kind) {
    return this.state.instances.filter((instance) => instance.kind === kind);
  }

  /** @param {string} name */
  instance(name) {
    const found = this.state.instances.find((instance) => instance.name === name);
    if (!found) throw new Error(`no instance ${name}`);
    return found;
  }

  save() {
    writeFileSync(path.join(this.state.dir, 'state.json'), JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }

  /** @param {InstanceState} instance */
  readyUrl(instance) {
    return `http://127.0.0.1:${instance.port}/health/ready`;
  }

  /** Starts (again) one instance and waits until it is ready. @param {string} name */
  async start(name) {
    const instance = this.instance(name);
    const root = instance.root ?? ROOT;
    const app = await startApp({
      name,
      ...startScript(instance.kind, root),
      cwd: root,
      env: { ...this.state.env, ...instance.env },
      readyUrl: this.readyUrl(instance),
      logFile: instance.logFile,
      timeoutMs: 180_000,
    });
    // Outlives an attached script: the cluster's owner stops it.
    app.child.unref();
    instance.pid = app.pid;
    this.save();
    return app.readyMs;
  }

  /**
   * Stops an instance with `signal`; an api is first drained in HAProxy (no new requests go to
   * it; those in flight finish). Resolves with how long it took to exit.
   * @param {string} name @param {NodeJS.Signals} signal
   */
  async stop(name, signal) {
    const instance = this.instance(name);
    if (instance.kind === 'api' && signal === 'SIGTERM') await this.setServerState(name, 'drain');
    const started = Date.now();
    try {
      process.kill(instance.pid, signal);
    } catch {
      return 0;
    }
    const exited = await waitForExit(instance.pid, 40_000);
    if (!exited) {
      process.kill(instance.pid, 'SIGKILL');
      await waitForExit(instance.pid, 5000);
      throw new Error(`${name} did not exit within 40 s of ${signal}:\n${tailOf(instance.logFile)}`);
    }
    return Date.now() - started;
  }

  /** Start it again and put it back into rotation once HAProxy's health check passes. @param {string} name */
  async restart(name) {
    const readyMs = await this.start(name);
    const instance = this.instance(name);
    if (instance.kind === 'api') {
      await this.setServerState(name, 'ready');
      await this.waitForServer(name, 'UP');
    }
    return readyMs;
  }

  /** @param {string} name @param {'ready' | 'drain' | 'maint'} state */
  async setServerState(name, state) {
    const answer = await haproxyCommand(this.state.haproxy.socket, `set server api/${name} state ${state}`);
    if (String(answer).trim() !== '') throw new Error(`haproxy: set server ${name} ${state}: ${answer}`);
  }

  /** @param {string} name @param {string} status @param {number} [timeoutMs] */
  async waitForServer(name, status, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const server = (await haproxyServers(this.state.haproxy.socket)).get(name);
      if (server?.status === status) return;
      if (Date.now() > deadline) throw new Error(`haproxy never reported ${name} ${status} (last: ${server?.status})`);
      await sleep(50);
    }
  }

  /** Waits until the proxy answers /health/ready with 200. */
  async waitForProxy(timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await httpGet(`${this.url}/health/ready`, 2000).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`the proxy never answered 200 on /health/ready (last ${status})`);
      await sleep(50);
    }
  }

  /** Every process of the cluster, for CPU and memory readings. */
  pids() {
    return [
      ...this.state.instances.map((instance) => ({ name: instance.name, pid: instance.pid })),
      { name: 'haproxy', pid: this.state.haproxy.pid },
    ];
  }

  /**
   * Every process the cluster runs now. The state file is the truth: a script driving this
   * cluster may have restarted instances (or Redis) since this object read it.
   */
  livePids() {
    /** @type {ClusterState} */
    let current = this.state;
    try {
      current = JSON.parse(readFileSync(path.join(this.state.dir, 'state.json'), 'utf8'));
    } catch {
      // no state file yet: this object's state is all there is
    }
    const pids = new Set([
      ...current.instances.map((i) => i.pid),
      ...this.state.instances.map((i) => i.pid),
      current.haproxy.pid,
      current.redis.pid ?? 0,
      this.redis.pid ?? 0,
    ]);
    return [...pids].filter((pid) => pid > 0 && isAlive(pid));
  }

  /** Stops everything the cluster runs and removes its directory (the owner only). */
  async shutdown() {
    for (const pid of this.livePids()) process.kill(pid, 'SIGKILL');
    try {
      this.postgres.stop();
    } catch (error) {
      console.error(String(error));
    }
    rmSync(pointerFile(this.state.port), { force: true });
  }
}

/** @param {number} port */
function pointerFile(port) {
  return path.join(ROOT, 'var', 'cluster', `${port}.json`);
}

/**
 * The cluster answering on `port` that `npm run cluster` started, if any. Something else
 * answering there is an error: the scripts would measure a stranger.
 * @param {number} port
 * @returns {Promise<Cluster | undefined>}
 */
export async function attachedCluster(port) {
  const answers = await httpGet(`http://127.0.0.1:${port}/health/live`, 1000).then(
    () => true,
    () => false,
  );
  if (!answers) return undefined;
  const pointer = pointerFile(port);
  if (!existsSync(pointer)) throw new Error(`something that is not a cluster of ours answers on CLUSTER_PORT ${port}`);
  const { dir } = JSON.parse(readFileSync(pointer, 'utf8'));
  /** @type {ClusterState} */
  const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'));
  if (!isAlive(state.ownerPid))
    throw new Error(`a stale cluster answers on ${port} (its owner ${state.ownerPid} is gone)`);
  progress(`driving the cluster already running on ${port} (${dir})`);
  return new Cluster(state, false);
}

/**
 * Starts a cluster: its own PostgreSQL and Redis, the migrated database, an SMTP sink, two api
 * and two worker processes, HAProxy in front. Everything is stopped by `cleanup`. `root` is the
 * code the instances start with and whose migrations the database gets (default: this checkout).
 * @param {{ port: number, cleanup: Cleanup, apis?: number, workers?: number, logStatements?: boolean, root?: string }} options
 */
export async function startCluster(options) {
  ensureHaproxy();
  const { port, cleanup } = options;
  const dir = mkdtempSync(path.join(os.tmpdir(), `gw-cluster-${port}-`));
  // PostgreSQL runs as its own user when this is root: it must reach its directory inside.
  chmodSync(dir, 0o711);
  cleanup.add(`remove ${dir}`, () => {
    if (!process.env.CLUSTER_KEEP_DIR) rmSync(dir, { recursive: true, force: true });
  });
  progress(`cluster directory ${dir}`);

  const postgres = new OwnPostgres({
    dir: path.join(dir, 'postgres'),
    port: await freePort(),
    logStatements: options.logStatements,
  });
  progress(`initdb + PostgreSQL on ${postgres.port}`);
  postgres.init();
  cleanup.add('stop PostgreSQL', () => postgres.stop());
  await postgres.start();
  const redis = new OwnRedis({ dir: path.join(dir, 'redis'), port: await freePort() });
  await redis.start();
  progress(`redis-server on ${redis.port}`);
  const smtp = await startSmtpSink();

  /** @type {ClusterState} */
  const state = {
    port,
    dir,
    ownerPid: process.pid,
    haproxy: { pid: 0, socket: path.join(dir, 'haproxy.sock') },
    postgres: { dir: postgres.dir, port: postgres.port },
    redis: { dir: redis.dir, port: redis.port, pid: redis.pid },
    databaseUrl: postgres.url('groundwork'),
    env: {},
    instances: [],
  };
  const cluster = new Cluster(state, true);
  cluster.redis = redis;
  // Whatever way this process ends, the cluster's processes end with it.
  process.once('exit', () => {
    for (const pid of cluster.livePids()) process.kill(pid, 'SIGKILL');
  });
  cleanup.add('stop the cluster', async () => {
    state.redis.pid = redis.pid;
    await cluster.shutdown();
    await smtp.close();
  });

  await postgres.createDatabase('groundwork');
  const root = options.root ?? ROOT;
  await migrateDeploy(root, state.databaseUrl);

  state.env = {
    NODE_ENV: 'production',
    DATABASE_URL: state.databaseUrl,
    REDIS_URL: redis.url(),
    REDIS_KEY_PREFIX: 'gw',
    APP_WEB_URL: 'http://localhost:5173',
    PUBLIC_API_URL: `http://127.0.0.1:${port}`,
    ...generateSecrets(),
    ...clusterOverrides({ smtpPort: smtp.port }),
  };
  const apis = options.apis ?? 2;
  const workers = options.workers ?? 2;
  for (let i = 1; i <= apis; i += 1) {
    const apiPort = await freePort();
    state.instances.push({
      name: `api${i}`,
      kind: 'api',
      port: apiPort,
      env: {
        PORT: String(apiPort),
        WORKER_PORT: String(await freePort()),
        METRICS_PORT: String(await freePort()),
      },
      pid: 0,
      logFile: path.join(dir, `api${i}.log`),
      ...(root === ROOT ? {} : { root }),
    });
  }
  for (let i = 1; i <= workers; i += 1) {
    const workerPort = await freePort();
    state.instances.push({
      name: `worker${i}`,
      kind: 'worker',
      port: workerPort,
      env: { PORT: String(await freePort()), WORKER_PORT: String(workerPort) },
      pid: 0,
      logFile: path.join(dir, `worker${i}.log`),
      ...(root === ROOT ? {} : { root }),
    });
  }
  cluster.save();
  for (const kind of /** @type {const} */ (['api', 'worker'])) {
    await Promise.all(
      cluster.instances(kind).map(async (instance) => {
        const readyMs = await cluster.start(instance.name);
        progress(`${instance.name} ready on ${instance.port} (${Math.round(readyMs)} ms)`);
      }),
    );
  }

  const apiAddrs = cluster.instances('api').map((instance) => `127.0.0.1:${instance.port}`);
  const haproxy = spawn('haproxy', ['-f', path.join(ROOT, 'deploy/haproxy/haproxy.cfg'), '-db'], {
    env: {
      ...process.env,
      CLUSTER_PORT: String(port),
      API1_ADDR: apiAddrs[0] ?? '127.0.0.1:1',
      API2_ADDR: apiAddrs[1] ?? apiAddrs[0] ?? '127.0.0.1:1',
      HAPROXY_SOCKET: state.haproxy.socket,
      HAPROXY_MAXCONN: '4096',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let haproxyErrors = '';
  haproxy.stderr?.on('data', (chunk) => (haproxyErrors = (haproxyErrors + String(chunk)).slice(-4000)));
  cleanup.track(haproxy);
  state.haproxy.pid = /** @type {number} */ (haproxy.pid);
  const exited = new Promise((resolve) => haproxy.once('exit', resolve));
  await Promise.race([
    cluster.waitForProxy(),
    exited.then(() => {
      throw new Error(`haproxy exited:\n${haproxyErrors}`);
    }),
  ]);
  cluster.save();
  mkdirSync(path.dirname(pointerFile(port)), { recursive: true });
  writeFileSync(pointerFile(port), JSON.stringify({ dir }), { mode: 0o600 });
  progress(`cluster answering on ${cluster.url}`);
  return { cluster, smtp, postgres };
}

/**
 * The cluster of a script: the one `npm run cluster` runs on CLUSTER_PORT, else a new one.
 * @param {Cleanup} cleanup
 */
export async function clusterForScript(cleanup) {
  const port = clusterPort();
  return (await attachedCluster(port)) ?? (await startCluster({ port, cleanup })).cluster;
}

/** A progress line with the time of day (the scripts' steps line up with the apps' logs). @param {string} message */
export const step = (message) => progress(`${new Date().toISOString().slice(11, 19)} ${message}`);

/**
 * Runs a script's `main` (resolving with its exit code), prints what it threw, always runs
 * `cleanup`, and exits with the code (1 when it threw).
 * @param {() => Promise<number>} main @param {Cleanup} cleanup
 */
export async function runScript(main, cleanup) {
  let code = 1;
  try {
    code = await main();
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    await cleanup.run();
  }
  process.exit(code);
}

/** A random suffix for names (emails, slugs) of one run. */
export function runId() {
  return randomBytes(4).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers of the scripts

/**
 * A JSON request; resolves with status, headers and parsed body, never throws for a status.
 * @param {string} url @param {{ method?: string, token?: string, body?: unknown, headers?: Record<string, string>, timeoutMs?: number }} [init]
 */
export async function call(url, init = {}) {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  /** @type {any} */
  let body = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, headers: response.headers, body };
}

/**
 * A verified user with a workspace, a project and an access token, made through the proxy
 * (the email is verified in the database: the mail itself went to the SMTP sink).
 * @param {Cluster} cluster @param {string} label
 */
export async function provisionTenant(cluster, label) {
  const id = runId();
  const email = `${label}-${id}@example.com`;
  const password = `pw-${id}-correct-horse`;
  const base = cluster.url;
  const registered = await call(`${base}/v1/auth/register`, {
    method: 'POST',
    body: { email, password, name: `Load ${label}` },
  });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    await client.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]);
  } finally {
    await client.end();
  }
  const login = await call(`${base}/v1/auth/login`, { method: 'POST', body: { email, password } });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  const token = /** @type {string} */ (login.body.accessToken);
  const workspace = await call(`${base}/v1/workspaces`, {
    method: 'POST',
    token,
    body: { name: `Cluster ${label}`, slug: `${label}-${id}` },
  });
  if (workspace.status !== 201) throw new Error(`workspace: ${workspace.status} ${JSON.stringify(workspace.body)}`);
  const project = await call(`${base}/v1/workspaces/${workspace.body.id}/projects`, {
    method: 'POST',
    token,
    body: { name: 'Load', key: 'LD' },
  });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.body)}`);
  return {
    email,
    password,
    token,
    workspaceId: /** @type {string} */ (workspace.body.id),
    projectId: /** @type {string} */ (project.body.id),
  };
}

/** Reads rows of the cluster's database. @param {Cluster} cluster @param {string} sql @param {unknown[]} [params] */
export async function query(cluster, sql, params = []) {
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}
