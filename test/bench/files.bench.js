// @ts-check
/**
 * `npm run bench:files` (issue 14): attachments through the built api.
 *
 * 1. A BENCH_FILE_MB (200) MB file uploaded and downloaded with the local driver (the bench
 *    raises ATTACHMENT_MAX_BYTES for itself), the api's RSS sampled every 20 ms against its
 *    idle RSS; throughput in MB/s and as a ratio of `cp` of the same file on the same disk in
 *    the same run (the upload includes hashing and the fsync before the rename; `cp` + `sync`
 *    of the copy is shown too, for that comparison), and as a ratio of a bare node:http server
 *    (bare-files-server.js) taking the same upload request and sending the same file, measured
 *    first in the same run with the same client.
 * 2. BENCH_CONCURRENT (50) concurrent 1 MB uploads: p50/p99 latency and the api's peak RSS.
 * 3. The same large round trip against the S3 adapter (s3rver on 127.0.0.1), for the record.
 *
 * The api runs as production starts it (`npm run start:api`, NODE_ENV=production; with
 * BENCH_API_NODE_OPTIONS set, e.g. `--cpu-prof`, that goes to it as NODE_OPTIONS), with its own
 * database, Redis prefix and folders, removed at the end. The client is
 * this process (node:http, streaming from and to files). Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
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
const CONCURRENT = knob('BENCH_CONCURRENT', 50);
const MB = 1_000_000;
const BOUNDARY = 'gw-bench-boundary-1f9a';
const USER = { email: 'files@bench.test', password: 'bench-password-1234', name: 'Bench' };

const cleanup = new Cleanup();
cleanup.handleSignals();

/** @param {number[]} values @param {number} p */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Samples a process's RSS (MiB) every 20 ms until stopped; returns the peak. @param {number} pid */
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
 * Uploads a file (or a buffer) as multipart/form-data, streamed from disk; resolves with the
 * attachment and the seconds it took.
 * @param {string} url @param {string} token @param {{ file?: string, bytes?: Buffer }} source
 */
function upload(url, token, source) {
  const size = source.file ? statSync(source.file).size : (source.bytes?.length ?? 0);
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tailBytes = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': head.length + size + tailBytes.length,
        },
      },
      (res) => {
        const chunks = /** @type {Buffer[]} */ ([]);
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 201) return reject(new Error(`upload answered ${res.statusCode}: ${text}`));
          resolve({ attachment: JSON.parse(text), seconds: (performance.now() - started) / 1000 });
        });
      },
    );
    req.on('error', reject);
    req.write(head);
    if (source.bytes) {
      req.write(source.bytes);
      req.end(tailBytes);
      return;
    }
    const stream = createReadStream(/** @type {string} */ (source.file), { highWaterMark: 256 * 1024 });
    stream.on('error', reject);
    stream.pipe(req, { end: false });
    stream.on('end', () => req.end(tailBytes));
  });
}

/** Downloads to a file; resolves with the seconds it took and the SHA-256 of what came. @param {string} url @param {string} token @param {string} target */
function download(url, token, target) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`download answered ${res.statusCode}`));
      const hash = createHash('sha256');
      res.on('data', (chunk) => hash.update(chunk));
      pipeline(res, createWriteStream(target)).then(
        () => resolve({ seconds: (performance.now() - started) / 1000, sha256: hash.digest('hex') }),
        reject,
      );
    })
      .on('error', reject)
      .end();
  });
}

/** Seconds `cp` takes to copy the file (and, separately, `cp` then `sync` of the copy). @param {string} from @param {string} to */
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

async function main() {
  assertBuilt(['dist/api/main.js']);
  const run = await benchRun(cleanup, 'files', {
    folderLabel: 'remove the bench folder',
  });
  const { workDir, database } = run;
  const secrets = generateSecrets();
  const bigFile = path.join(workDir, 'big.bin');
  progress(`writing a ${FILE_MB} MB file`);
  const bigSha = await makeFile(bigFile, FILE_MB);

  /**
   * The api as production runs it (`npm run start:api`), with the given storage settings.
   * @param {Record<string, string>} storageEnv @param {string} label
   */
  const startApi = async (storageEnv, label) => {
    const { app, base } = await startBenchApi(run, {
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
    return { app, base };
  };

  /**
   * The floor: the bare node:http server (bare-files-server.js) taking the same upload request
   * (hashed, written, flushed) and sending the same file, in this run.
   */
  const bareRoundTrip = async () => {
    const port = await freePort();
    const bareDir = path.join(workDir, 'bare');
    mkdirSync(bareDir);
    const bare = await startApp({
      name: 'bare http',
      script: 'test/bench/bare-files-server.js',
      env: { PORT: String(port), BARE_FILE: bigFile, BARE_DIR: bareDir },
      readyUrl: `http://127.0.0.1:${port}/ready`,
      logFile: path.join(workDir, 'bare.log'),
      cleanup,
    });
    const url = `http://127.0.0.1:${port}`;
    const result = await measureRoundTrip(bare.pid, {
      upload: (source) => upload(`${url}/upload`, '', source),
      download: (_id, target) => download(`${url}/file`, '', target),
    });
    await bare.stop();
    return result;
  };

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

  /** The large round trip against the running api. @param {string} label */
  const roundTrip = async (label) => {
    progress(`${label}: uploading and downloading ${FILE_MB} MB`);
    const result = await measureRoundTrip(app.pid, {
      upload: (source) => upload(`${base}${attachmentsPath}`, token, source),
      download: (id, target) => download(`${base}${attachmentsPath}/${id}/content`, token, target),
    });
    if (result.sha256 !== bigSha) throw new Error('the stored SHA-256 differs from the file’s');
    if (result.downloadedSha256 !== bigSha) throw new Error('the downloaded bytes differ from the file');
    // Remove the big attachment again, so the next round uploads it anew.
    await fetch(`${base}${attachmentsPath}/${result.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    return result;
  };

  /**
   * Warm-up (connections, JIT; not measured), then the idle RSS of `pid`, then the big file up
   * and down with its RSS sampled.
   * @param {number} pid
   * @param {{ upload: (source: { file?: string, bytes?: Buffer }) => Promise<any>,
   *   download: (id: string, target: string) => Promise<any> }} calls
   */
  const measureRoundTrip = async (pid, calls) => {
    const warm = await calls.upload({ bytes: randomBytes(MB) });
    await calls.download(warm.attachment.id, path.join(workDir, 'warm.out'));
    const idle = rssMiB(pid);
    let sampler = rssSampler(pid);
    const up = await calls.upload({ file: bigFile });
    const upPeak = sampler.stop();
    sampler = rssSampler(pid);
    const target = path.join(workDir, 'download.out');
    const down = await calls.download(up.attachment.id, target);
    const downPeak = sampler.stop();
    rmSync(target, { force: true });
    return {
      idle,
      up: up.seconds,
      upPeak,
      down: down.seconds,
      downPeak,
      id: String(up.attachment.id),
      sha256: String(up.attachment.sha256),
      downloadedSha256: String(down.sha256),
    };
  };

  const copies = timeCp(bigFile, path.join(storageDir, 'cp-copy.bin'));
  progress(`bare http: uploading and downloading ${FILE_MB} MB`);
  const bare = await bareRoundTrip();
  const local = await roundTrip('local');

  progress(`${CONCURRENT} concurrent 1 MB uploads`);
  const idleBefore = rssMiB(app.pid);
  const sampler = rssSampler(app.pid);
  const files = Array.from({ length: CONCURRENT }, () => randomBytes(MB));
  const started = performance.now();
  const results = /** @type {any[]} */ (
    await Promise.all(files.map((bytes) => upload(`${base}${attachmentsPath}`, token, { bytes })))
  );
  const wall = (performance.now() - started) / 1000;
  const concurrentPeak = sampler.stop();
  const latencies = results.map((r) => r.seconds * 1000);
  await app.stop();
  console.log(
    JSON.stringify({
      localUploadSeconds: round(local.up, 2),
      localDownloadSeconds: round(local.down, 2),
      cpSeconds: round(copies.cp, 2),
      cpSyncSeconds: round(copies.cpSync, 2),
      bareUploadSeconds: round(bare.up, 2),
      bareDownloadSeconds: round(bare.down, 2),
      rss: { local, bare },
      concurrentP50Ms: round(percentile(latencies, 50)),
      concurrentP99Ms: round(percentile(latencies, 99)),
      concurrentIdleRssMiB: round(idleBefore),
      concurrentPeakRssMiB: round(concurrentPeak),
      loadAverage: os.loadavg().map((l) => round(l, 2)),
    }),
  );

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
  const s3Trip = await roundTrip('s3rver');
  await app.stop();

  const mbps = (/** @type {number} */ seconds) => round(FILE_MB / seconds, 1);
  const cpMbps = mbps(copies.cp);
  const load = os.loadavg().map((l) => round(l, 2));
  console.log(`\n${FILE_MB} MB file (MB = 10^6 bytes), load average ${load.join(' ')}`);
  console.log(
    formatTable([
      ['run', 'seconds', 'MB/s', 'of cp', 'of bare http', 'server RSS idle → peak (MiB)', 'peak − idle'],
      ['cp', round(copies.cp, 2), cpMbps, '100 %', '', '', ''],
      [
        'cp + sync',
        round(copies.cpSync, 2),
        mbps(copies.cpSync),
        `${round((copies.cp / copies.cpSync) * 100)} %`,
        '',
        '',
        '',
      ],
      .../** @type {[string, number, number, number, number][]} */ ([
        ['upload (bare http)', bare.up, bare.upPeak, bare.idle, bare.up],
        ['download (bare http)', bare.down, bare.downPeak, bare.idle, bare.down],
        ['upload (local)', local.up, local.upPeak, local.idle, bare.up],
        ['download (local)', local.down, local.downPeak, local.idle, bare.down],
        ['upload (s3rver)', s3Trip.up, s3Trip.upPeak, s3Trip.idle, bare.up],
        ['download (s3rver)', s3Trip.down, s3Trip.downPeak, s3Trip.idle, bare.down],
      ]).map(([name, seconds, peak, idle, bareSeconds]) => [
        name,
        round(seconds, 2),
        mbps(seconds),
        `${round((copies.cp / seconds) * 100)} %`,
        `${round((bareSeconds / seconds) * 100)} %`,
        `${round(idle)} → ${round(peak)}`,
        round(peak - idle),
      ]),
    ]),
  );
  console.log(`\n${CONCURRENT} concurrent 1 MB uploads (local driver)`);
  console.log(
    formatTable([
      ['wall s', 'p50 ms', 'p99 ms', 'median ms', 'api RSS idle → peak (MiB)'],
      [
        round(wall, 2),
        round(percentile(latencies, 50)),
        round(percentile(latencies, 99)),
        round(median(latencies)),
        `${round(idleBefore)} → ${round(concurrentPeak)}`,
      ],
    ]),
  );
  console.log(
    JSON.stringify({
      cpMBps: cpMbps,
      uploadLocalMBps: mbps(local.up),
      downloadLocalMBps: mbps(local.down),
      uploadRatioOfCp: round(copies.cp / local.up, 2),
      downloadRatioOfCp: round(copies.cp / local.down, 2),
      bareUploadMBps: mbps(bare.up),
      bareDownloadMBps: mbps(bare.down),
      uploadRatioOfBare: round(bare.up / local.up, 2),
      downloadRatioOfBare: round(bare.down / local.down, 2),
      rssGrowthBareUploadMiB: round(bare.upPeak - bare.idle),
      rssGrowthBareDownloadMiB: round(bare.downPeak - bare.idle),
      rssGrowthUploadMiB: round(local.upPeak - local.idle),
      rssGrowthDownloadMiB: round(local.downPeak - local.idle),
      concurrentP50Ms: round(percentile(latencies, 50)),
      concurrentP99Ms: round(percentile(latencies, 99)),
      concurrentPeakRssMiB: round(concurrentPeak),
      uploadS3MBps: mbps(s3Trip.up),
      downloadS3MBps: mbps(s3Trip.down),
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
