// @ts-check
/**
 * `npm run bench:files` (issue 14): attachments through the built api, measured from outside
 * with curl (the Debian package, /usr/bin/curl) as the client.
 *
 * 1. A BENCH_FILE_MB (200) MB file uploaded (`curl -F file=@…;type=…`, multipart/form-data) and
 *    downloaded (`curl -o` to a file on the same disk; its SHA-256 is checked afterwards, outside
 *    the timed part) through the api with the local driver (the bench raises
 *    ATTACHMENT_MAX_BYTES for itself), and through a bare node:http server
 *    (bare-files-server.js) taking the same upload request and sending the same file;
 *    BENCH_REPEATS (5) interleaved repetitions — `cp`, `cp` + `sync`, bare up, api up, bare
 *    down, api down, the pair's order alternating — and the medians. Throughput is curl's
 *    `time_total` (request sent to answer received), also as a ratio of `cp` of the same file
 *    on the same disk, of `cp` + `sync` (the api fsyncs an upload before its rename), and of the
 *    bare server. Each server's RSS is read from /proc/<pid>/status every 20 ms during its own
 *    transfers, against its idle RSS.
 * 2. BENCH_CONCURRENT (50) concurrent 1 MB uploads (one curl each): p50/p99 of curl's
 *    `time_total` and the api's peak RSS.
 * 3. The same large round trip against the S3 adapter (s3rver on 127.0.0.1), once, for the record.
 *
 * The api runs as production starts it (`npm run start:api`, NODE_ENV=production; with
 * BENCH_API_NODE_OPTIONS set, e.g. `--cpu-prof`, that goes to it as NODE_OPTIONS), with its own
 * database, Redis prefix and folders, removed at the end. Needs `npm run build` and curl.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import {
  api,
  assertBuilt,
  benchRun,
  Cleanup,
  createBenchTask,
  formatTable,
  freePort,
  generateSecrets,
  knob,
  median,
  progress,
  round,
  rssMiB,
  signUpVerified,
  startApp,
  startBenchApi,
} from './lib.js';

const FILE_MB = knob('BENCH_FILE_MB', 200);
const REPEATS = knob('BENCH_REPEATS', 5);
const CONCURRENT = knob('BENCH_CONCURRENT', 50);
const MB = 1_000_000;
const CURL = '/usr/bin/curl';
const USER = { email: 'files@bench.test', password: 'bench-password-1234', name: 'Bench' };

const cleanup = new Cleanup();
cleanup.handleSignals();

/** @param {number[]} values @param {number} p */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Fails with how to install it when curl is not there. */
function assertCurlInstalled() {
  const probe = spawnSync(CURL, ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new Error(
      `cannot run ${CURL} (${probe.error.message}): the bench's client is curl.\n` +
        'Install the Debian package: apt-get update && apt-get install -y curl',
    );
  }
  return probe.stdout.split('\n')[0];
}

/**
 * Samples a process's RSS (MiB, one read of /proc/<pid>/status) every 20 ms until stopped;
 * returns the peak.
 * @param {number} pid
 */
function rssSampler(pid) {
  let peak = rssMiB(pid);
  // A reading of a process that just died is no reading: the run's own error says why.
  const read = () => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      clearInterval(timer);
    }
  };
  const timer = setInterval(read, 20);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

/**
 * Runs curl (silent, errors shown) with `args`, the write-out `%{http_code} %{time_total}`
 * appended on a line of its own; resolves with the status, curl's seconds and the body (when
 * not written with `-o`).
 * @param {string[]} args
 * @returns {Promise<{ status: number, seconds: number, body: string }>}
 */
function curl(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(CURL, ['-sS', '-w', '\n%{http_code} %{time_total}', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text) => (err += text));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited with ${code}: ${err.trim()}`));
      const cut = out.lastIndexOf('\n');
      const [status, seconds] = out
        .slice(cut + 1)
        .split(' ')
        .map(Number);
      resolve({ status: Number(status), seconds: Number(seconds), body: out.slice(0, cut) });
    });
  });
}

/**
 * `curl -F file=@<file>;type=application/octet-stream` to `url`; resolves with the answer's
 * JSON and curl's seconds.
 * @param {string} url @param {string} token @param {string} file
 */
async function upload(url, token, file) {
  const answer = await curl([
    ...(token ? ['-H', `authorization: Bearer ${token}`] : []),
    '-F',
    `file=@${file};type=application/octet-stream;filename=bench.bin`,
    url,
  ]);
  if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${answer.body}`);
  return { body: JSON.parse(answer.body), seconds: answer.seconds };
}

/**
 * `curl -o <target>` from `url`; resolves with curl's seconds. The bytes are checked separately.
 * @param {string} url @param {string} token @param {string} target
 */
async function download(url, token, target) {
  const answer = await curl([...(token ? ['-H', `authorization: Bearer ${token}`] : []), '-o', target, url]);
  if (answer.status !== 200) throw new Error(`download answered ${answer.status}`);
  return { seconds: answer.seconds };
}

/** The hex SHA-256 of a file. @param {string} file */
async function sha256Of(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

/** Seconds `cp` takes to copy the file, and separately `cp` then `sync` of the copy. @param {string} from @param {string} to */
function timeCp(from, to) {
  rmSync(to, { force: true });
  let started = performance.now();
  spawnSync('cp', [from, to], { stdio: 'inherit' });
  const cp = (performance.now() - started) / 1000;
  rmSync(to, { force: true });
  started = performance.now();
  spawnSync('cp', [from, to], { stdio: 'inherit' });
  spawnSync('sync', [to], { stdio: 'inherit' });
  const cpSync = (performance.now() - started) / 1000;
  rmSync(to, { force: true });
  return { cp, cpSync };
}

/** Writes `mb` MB of random bytes to `file`, returning its SHA-256. @param {string} file @param {number} mb */
async function makeFile(file, mb) {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let i = 0; i < mb; i += 1) {
    const chunk = randomBytes(MB);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', () => resolve(undefined)));
  }
  await new Promise((resolve, reject) =>
    out.end((/** @type {Error | undefined} */ e) => (e ? reject(e) : resolve(undefined))),
  );
  return hash.digest('hex');
}

/**
 * One server under measurement: how to upload the big file to it and download it back, and its
 * RSS (idle, and the peaks during its uploads and its downloads).
 * @typedef {object} Target
 * @property {string} name
 * @property {number} pid
 * @property {(file: string) => Promise<{ seconds: number, id?: string }>} upload
 * @property {(id: string | undefined, target: string) => Promise<{ seconds: number }>} download
 * @property {(id: string | undefined) => Promise<void>} forget removes what the upload stored
 * @property {number[]} up seconds, one per repetition
 * @property {number[]} down
 * @property {number} idle MiB
 * @property {number} upPeak MiB
 * @property {number} downPeak MiB
 */

async function main() {
  assertBuilt(['dist/api/main.js']);
  progress(assertCurlInstalled());
  const run = await benchRun(cleanup, 'files', { folderLabel: 'remove the bench folder' });
  const { workDir, database } = run;
  const secrets = generateSecrets();
  const bigFile = path.join(workDir, 'big.bin');
  progress(`writing a ${FILE_MB} MB file`);
  const bigSha = await makeFile(bigFile, FILE_MB);
  const smallFile = path.join(workDir, 'small.bin');
  writeFileSync(smallFile, randomBytes(MB));

  /**
   * The api as production runs it (`npm run start:api`), with the given storage settings.
   * @param {Record<string, string>} storageEnv @param {string} label
   */
  const startApi = async (storageEnv, label) =>
    startBenchApi(run, {
      name: `api (${label})`,
      secrets,
      env: {
        ATTACHMENT_MAX_BYTES: String((FILE_MB + 1) * MB),
        WORKSPACE_STORAGE_QUOTA_BYTES: String(100 * FILE_MB * MB),
        ...storageEnv,
        // Only for profiling runs (`--cpu-prof` and the like); empty otherwise.
        ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}),
      },
      logName: `api-${label}`,
      // A busy machine boots slowly; the measurement starts only once the api is ready.
      timeoutMs: 120_000,
      cleanup,
    });

  // The floor: a bare node:http server doing the least the api does with the same bytes.
  const barePort = await freePort();
  const bareDir = path.join(workDir, 'bare');
  mkdirSync(bareDir);
  const bareApp = await startApp({
    name: 'bare http',
    script: 'test/bench/bare-files-server.js',
    env: { PORT: String(barePort), BARE_FILE: bigFile, BARE_DIR: bareDir },
    readyUrl: `http://127.0.0.1:${barePort}/ready`,
    logFile: path.join(workDir, 'bare.log'),
    cleanup,
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;

  const storageDir = path.join(workDir, 'storage');
  mkdirSync(storageDir);
  let { app, base } = await startApi({ STORAGE_DRIVER: 'local', STORAGE_DIR: storageDir }, 'local');
  let token = await signUpVerified(base, database.url, USER);
  /** A token of the api at `at` (each api is its own token issuer: its PUBLIC_API_URL). @param {string} at */
  const signIn = async (at) =>
    /** @type {{ accessToken: string }} */ (
      await api(`${at}/v1/auth/login`, {
        method: 'POST',
        body: JSON.stringify({ email: USER.email, password: USER.password }),
      })
    ).accessToken;
  const { workspace, task } = await createBenchTask(base, token, {
    project: { name: 'Files', key: 'FIL' },
    title: 'Big files',
  });
  const attachmentsPath = `/v1/workspaces/${workspace.id}/tasks/${task.id}/attachments`;

  /** @param {string} name @param {number} pid @returns {Target} */
  const apiTarget = (name, pid) => ({
    name,
    pid,
    upload: async (file) => {
      const { body, seconds } = await upload(`${base}${attachmentsPath}`, token, file);
      if (file === bigFile && body.sha256 !== bigSha) throw new Error('the stored SHA-256 differs from the file’s');
      return { seconds, id: String(body.id) };
    },
    download: (id, target) => download(`${base}${attachmentsPath}/${id}/content`, token, target),
    // Removes the attachment again, so the next round uploads the bytes anew.
    forget: async (id) => {
      const res = await fetch(`${base}${attachmentsPath}/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.status !== 204) throw new Error(`delete answered ${res.status}`);
    },
    up: [],
    down: [],
    idle: 0,
    upPeak: 0,
    downPeak: 0,
  });
  /** @type {Target} */
  const bare = {
    name: 'bare http',
    pid: bareApp.pid,
    upload: (file) => upload(`${bareUrl}/upload`, '', file),
    download: (_id, target) => download(`${bareUrl}/file`, '', target),
    forget: async () => undefined,
    up: [],
    down: [],
    idle: 0,
    upPeak: 0,
    downPeak: 0,
  };
  const local = apiTarget('api (local)', app.pid);

  const downloaded = path.join(workDir, 'download.out');
  /** Warm-up (connections, JIT; not measured), then the idle RSS. @param {Target} target */
  const warm = async (target) => {
    const { id } = await target.upload(smallFile);
    await target.download(id, downloaded);
    await target.forget(id);
    target.idle = rssMiB(target.pid);
  };
  /** One upload of the big file, sampled. @param {Target} target */
  const measureUpload = async (target) => {
    const sampler = rssSampler(target.pid);
    const { seconds, id } = await target.upload(bigFile);
    target.upPeak = Math.max(target.upPeak, sampler.stop());
    target.up.push(seconds);
    return id;
  };
  /** One download of the big file, sampled, then checked (outside the timed part). @param {Target} target @param {string | undefined} id */
  const measureDownload = async (target, id) => {
    const sampler = rssSampler(target.pid);
    const { seconds } = await target.download(id, downloaded);
    target.downPeak = Math.max(target.downPeak, sampler.stop());
    target.down.push(seconds);
    if ((await sha256Of(downloaded)) !== bigSha) throw new Error(`the bytes ${target.name} sent differ from the file`);
    rmSync(downloaded, { force: true });
  };

  await warm(bare);
  await warm(local);
  /** @type {number[]} */
  const cps = [];
  /** @type {number[]} */
  const cpSyncs = [];
  for (let r = 0; r < REPEATS; r += 1) {
    progress(`round ${r + 1}/${REPEATS}: cp, then ${FILE_MB} MB up and down, bare and api`);
    const copies = timeCp(bigFile, path.join(storageDir, 'cp-copy.bin'));
    cps.push(copies.cp);
    cpSyncs.push(copies.cpSync);
    const pair = r % 2 === 0 ? [bare, local] : [local, bare];
    const ids = [];
    for (const target of pair) ids.push(await measureUpload(target));
    for (const [i, target] of pair.entries()) await measureDownload(target, ids[i]);
    for (const [i, target] of pair.entries()) await target.forget(ids[i]);
  }
  await bareApp.stop();
  const loadAfterLarge = os.loadavg().map((l) => round(l, 2));

  progress(`${CONCURRENT} concurrent 1 MB uploads`);
  const smallFiles = Array.from({ length: CONCURRENT }, (_, i) => {
    const file = path.join(workDir, `small-${i}.bin`);
    writeFileSync(file, randomBytes(MB));
    return file;
  });
  const idleBefore = rssMiB(app.pid);
  const sampler = rssSampler(app.pid);
  const started = performance.now();
  const results = await Promise.all(smallFiles.map((file) => upload(`${base}${attachmentsPath}`, token, file)));
  const wall = (performance.now() - started) / 1000;
  const concurrentPeak = sampler.stop();
  const latencies = results.map((r) => r.seconds * 1000);
  await app.stop();

  progress('starting s3rver');
  const s3Dir = path.join(workDir, 's3rver');
  mkdirSync(s3Dir);
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: 'bench' }],
  });
  const { port: s3Port } = await s3.run();
  cleanup.add('stop s3rver', () => s3.close());
  ({ app, base } = await startApi(
    {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      S3_BUCKET: 'bench',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    's3',
  ));
  token = await signIn(base);
  const s3Target = apiTarget('api (s3rver)', app.pid);
  progress(`s3rver: ${FILE_MB} MB up and down`);
  await warm(s3Target);
  const s3Id = await measureUpload(s3Target);
  await measureDownload(s3Target, s3Id);
  await app.stop();

  const cp = median(cps);
  const cpSync = median(cpSyncs);
  const mbps = (/** @type {number} */ seconds) => round(FILE_MB / seconds, 1);
  const pct = (/** @type {number} */ part, /** @type {number} */ whole) => `${round((part / whole) * 100)} %`;
  const load = os.loadavg().map((l) => round(l, 2));
  console.log(
    `\n${FILE_MB} MB file (MB = 10^6 bytes), medians of ${REPEATS} interleaved rounds (s3rver: one), ` +
      `curl's time_total; load average after the rounds ${loadAfterLarge.join(' ')}, at the end ${load.join(' ')}`,
  );
  /** @param {string} name @param {number[]} runs @param {number[]} bareRuns @param {number} idle @param {number} peak */
  const row = (name, runs, bareRuns, idle, peak) => {
    const seconds = median(runs);
    return [
      name,
      round(seconds, 3),
      mbps(seconds),
      pct(cp, seconds),
      pct(cpSync, seconds),
      pct(median(bareRuns), seconds),
      `${round(idle)} → ${round(peak)} (+${round(peak - idle)})`,
    ];
  };
  console.log(
    formatTable([
      ['run', 'seconds', 'MB/s', 'of cp', 'of cp+sync', 'of bare http', 'server RSS idle → peak (MiB)'],
      ['cp', round(cp, 3), mbps(cp), '100 %', '', '', ''],
      ['cp + sync', round(cpSync, 3), mbps(cpSync), pct(cp, cpSync), '100 %', '', ''],
      row('upload, bare http', bare.up, bare.up, bare.idle, bare.upPeak),
      row('download, bare http', bare.down, bare.down, bare.idle, bare.downPeak),
      row('upload, api (local)', local.up, bare.up, local.idle, local.upPeak),
      row('download, api (local)', local.down, bare.down, local.idle, local.downPeak),
      row('upload, api (s3rver)', s3Target.up, bare.up, s3Target.idle, s3Target.upPeak),
      row('download, api (s3rver)', s3Target.down, bare.down, s3Target.idle, s3Target.downPeak),
    ]),
  );
  console.log(`\n${CONCURRENT} concurrent 1 MB uploads (local driver, one curl each)`);
  console.log(
    formatTable([
      ['wall s', 'p50 ms', 'p99 ms', 'api RSS idle → peak (MiB)'],
      [
        round(wall, 2),
        round(percentile(latencies, 50)),
        round(percentile(latencies, 99)),
        `${round(idleBefore)} → ${round(concurrentPeak)}`,
      ],
    ]),
  );
  const seconds = (/** @type {number[]} */ runs) => runs.map((s) => round(s, 3));
  console.log(
    JSON.stringify({
      cpSeconds: seconds(cps),
      cpSyncSeconds: seconds(cpSyncs),
      bareUploadSeconds: seconds(bare.up),
      bareDownloadSeconds: seconds(bare.down),
      uploadLocalSeconds: seconds(local.up),
      downloadLocalSeconds: seconds(local.down),
      cpMBps: mbps(cp),
      cpSyncMBps: mbps(cpSync),
      uploadLocalMBps: mbps(median(local.up)),
      downloadLocalMBps: mbps(median(local.down)),
      uploadRatioOfCp: round(cp / median(local.up), 3),
      downloadRatioOfCp: round(cp / median(local.down), 3),
      uploadRatioOfCpSync: round(cpSync / median(local.up), 3),
      downloadRatioOfCpSync: round(cpSync / median(local.down), 3),
      bareUploadMBps: mbps(median(bare.up)),
      bareDownloadMBps: mbps(median(bare.down)),
      uploadRatioOfBare: round(median(bare.up) / median(local.up), 2),
      downloadRatioOfBare: round(median(bare.down) / median(local.down), 2),
      rssGrowthBareUploadMiB: round(bare.upPeak - bare.idle),
      rssGrowthBareDownloadMiB: round(bare.downPeak - bare.idle),
      rssGrowthUploadMiB: round(local.upPeak - local.idle),
      rssGrowthDownloadMiB: round(local.downPeak - local.idle),
      concurrentP50Ms: round(percentile(latencies, 50)),
      concurrentP99Ms: round(percentile(latencies, 99)),
      concurrentPeakRssMiB: round(concurrentPeak),
      uploadS3MBps: mbps(median(s3Target.up)),
      downloadS3MBps: mbps(median(s3Target.down)),
      loadAverage: load,
    }),
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
