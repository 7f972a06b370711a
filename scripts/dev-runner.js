// @ts-check
/**
 * Runs the built api and worker side by side for `npm run dev` (and, with `--watch`, for
 * `npm run dev:watch`: `tsc -b --watch` recompiles on every change and both apps restart after
 * each compile without errors). Ctrl-C drains both apps and exits 0.
 *
 * Why a runner and not `cmd & cmd & wait` in the shell: a terminal's Ctrl-C reaches every
 * process of the foreground group, and npm forwards it to its script once more. An app that
 * receives that second copy takes it as "force exit now". Here the apps run in process groups
 * of their own, so only this runner hears the terminal, and it sends each app exactly one
 * SIGTERM; copies of the same Ctrl-C arriving within a second are one request.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadLocalEnvFile } from '../libs/platform/dist/config/env-sources.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WATCH = process.argv.includes('--watch');
/** Signals closer together than this are copies of one Ctrl-C (terminal + npm's forward). */
const SAME_SIGNAL_MS = 1000;

/** @type {{ name: string, script: string }[]} */
const APPS = [
  { name: 'api', script: 'dist/api/main.js' },
  { name: 'worker', script: 'dist/worker/main.js' },
];

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const running = new Map();
let stopping = false;

/** @param {string} message */
const say = (message) => process.stderr.write(`[dev] ${message}\n`);

/** @param {{ name: string, script: string }} app */
function startApp(app) {
  const child = spawn(process.execPath, ['--enable-source-maps', app.script], {
    cwd: ROOT,
    stdio: 'inherit',
    // A process group of its own: the terminal's Ctrl-C reaches the runner only.
    detached: true,
  });
  running.set(app.name, child);
  child.once('exit', (code, signal) => {
    if (running.get(app.name) === child) running.delete(app.name);
    if (stopping || restarting) return;
    // Either app ending on its own ends the session: a crashed half is never left running alone.
    say(`${app.name} exited (${signal ?? `code ${code}`}); stopping`);
    void stopAll().then(() => process.exit(code === 0 ? 0 : 1));
  });
}

/** SIGTERM to every app (once), resolved when all have exited; true when all exited 0. */
function stopAll() {
  const exits = [...running.values()].map(
    (child) =>
      new Promise((resolve) => {
        child.once('exit', (code) => resolve(code === 0));
        child.kill('SIGTERM');
      }),
  );
  return Promise.all(exits).then((results) => results.every(Boolean));
}

let restarting = false;
let restartPending = false;
/** One restart at a time: compiles that finish during a restart ask for one more afterwards. */
async function restartApps() {
  if (restarting) {
    restartPending = true;
    return;
  }
  restarting = true;
  do {
    restartPending = false;
    await stopAll();
    if (!stopping) APPS.forEach(startApp);
  } while (restartPending && !stopping);
  restarting = false;
}

let firstSignalAt = 0;
/** @param {NodeJS.Signals} signal */
function onSignal(signal) {
  const now = Date.now();
  if (stopping) {
    if (now - firstSignalAt < SAME_SIGNAL_MS) return;
    say(`${signal} again: killing the apps`);
    for (const child of running.values()) child.kill('SIGKILL');
    process.exit(1);
  }
  stopping = true;
  firstSignalAt = now;
  say(`${signal}: draining api and worker (Ctrl-C again to kill them)`);
  compiler?.kill('SIGTERM');
  void stopAll().then((clean) => {
    say(clean ? 'stopped' : 'an app did not stop cleanly');
    process.exit(clean ? 0 : 1);
  });
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Never leave an app behind, whatever ends this process.
process.on('exit', () => {
  for (const child of running.values()) child.kill('SIGKILL');
});

/** @type {import('node:child_process').ChildProcess | undefined} */
let compiler;
if (WATCH) {
  // `tsc -b --watch` prints "Found N errors. Watching for file changes." after every compile.
  compiler = spawn(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-b', '--watch', '--preserveWatchOutput', 'apps/api', 'apps/worker'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let started = false;
  compiler.stdout?.setEncoding('utf8');
  compiler.stdout?.on('data', (/** @type {string} */ chunk) => {
    process.stdout.write(chunk);
    const found = /Found (\d+) errors?\. Watching for file changes/.exec(chunk);
    if (!found || stopping) return;
    if (!started) {
      // The first compile brings dist/ up to date before the apps start.
      started = true;
      if (found[1] !== '0') say('compile errors: starting the apps on the last good build');
      startAll();
    } else if (found[1] === '0') {
      say('compiled: restarting api and worker');
      void restartApps();
    } else {
      say('compile errors: the apps keep running the previous build');
    }
  });
  compiler.once('exit', (code) => {
    if (!stopping) {
      say(`tsc --watch exited (code ${code}); stopping`);
      onSignal('SIGTERM');
    }
  });
}

function startAll() {
  APPS.forEach(startApp);
  loadLocalEnvFile(); // only to print the ports the apps will read from `.env`
  const port = process.env.PORT ?? '3000';
  const workerPort = process.env.WORKER_PORT ?? '3001';
  say(
    `api on http://localhost:${port} (docs at /docs), worker health on http://localhost:${workerPort}/health/ready` +
      (WATCH ? '; watching for changes' : ''),
  );
}

if (!WATCH) startAll();
