import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../support/ports.js';
import { haproxyBackendRequests } from '../cluster/lib.js';

/**
 * The scale-out proofs, short: one local cluster (`npm run cluster`: two api and two worker
 * processes behind HAProxy, own PostgreSQL and Redis) that a short rolling restart and one
 * chaos fault drive through their scripts, and the proxy's defences against slow, oversized
 * and smuggled requests. The full runs are `npm run rolling-restart` and `npm run chaos`.
 */
const NODE = process.execPath;
const ROOT = path.resolve('.');
const BOOT_TIMEOUT_MS = 300_000;

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/** What the proxy answered on one raw connection until it closed it. */
function rawExchange(port: number, write: (socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.once('connect', () => write(socket));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error),
    );
    socket.once('close', () => resolve(received));
  });
}

async function liveThroughProxy(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/health/live`);
  await response.text();
  return response.status;
}

describe('scale-out: the local cluster behind HAProxy', () => {
  let cluster: ChildProcess | undefined;
  let port = 0;
  let haproxySocket = '';

  beforeAll(async () => {
    port = await freePort();
    cluster = spawn(NODE, ['test/cluster/cluster.js'], {
      cwd: ROOT,
      env: { ...process.env, CLUSTER_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cluster.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      cluster?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ctrl-C stops it.')) resolve();
      });
      cluster?.once('exit', (code) => reject(new Error(`the cluster exited (${code}):\n${output.slice(-4000)}`)));
    });
    const pointer = JSON.parse(readFileSync(path.join(ROOT, 'var/cluster', `${port}.json`), 'utf8')) as {
      dir: string;
    };
    const state = JSON.parse(readFileSync(path.join(pointer.dir, 'state.json'), 'utf8')) as {
      haproxy: { socket: string };
    };
    haproxySocket = state.haproxy.socket;
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    if (!cluster || cluster.exitCode !== null) return;
    const exited = new Promise((resolve) => cluster?.once('exit', resolve));
    cluster.kill('SIGINT');
    await exited;
  }, 60_000);

  it(
    'a rolling restart under load (each api, then each worker mid-backlog) fails no request and loses no event',
    async () => {
      const run = await runScript('test/cluster/rolling-restart.js', {
        CLUSTER_PORT: String(port),
        ROLLING_USERS: '3',
        ROLLING_SSE: '1',
        ROLLING_WS: '1',
        ROLLING_BACKLOG: '30',
        ROLLING_SETTLE_MS: '1000',
      });

      expect({ code: run.code, last: lastLine(run.stdout) }).toEqual({
        code: 0,
        last: expect.stringMatching(/^[1-9]\d* requests, 0 failed, 0 events lost$/),
      });
    },
    BOOT_TIMEOUT_MS,
  );

  it(
    'an api killed with SIGKILL under load loses no event',
    async () => {
      const run = await runScript('test/cluster/chaos.js', {
        CLUSTER_PORT: String(port),
        CHAOS_FAULTS: 'api-kill',
        CHAOS_USERS: '3',
        CHAOS_BEFORE_MS: '1000',
        CHAOS_AFTER_MS: '2000',
      });

      expect({ code: run.code, last: lastLine(run.stdout) }).toEqual({
        code: 0,
        last: expect.stringMatching(/^1 faults, [1-9]\d* requests, \d+ failed, 0 events lost, \d+ duplicates$/),
      });
    },
    BOOT_TIMEOUT_MS,
  );

  it('slow clients (slowloris) are cut off by the proxy with 408 and never reach an api, which stays responsive', async () => {
    const before = await haproxyBackendRequests(haproxySocket);
    const slow = Array.from({ length: 20 }, () =>
      rawExchange(port, (socket) => {
        socket.write('GET /health/live HTTP/1.1\r\nHost: cluster\r\n');
        // One header byte a second: the request head never completes.
        const drip = setInterval(() => socket.write('X'), 1000);
        socket.once('close', () => clearInterval(drip));
      }),
    );

    const status = await liveThroughProxy(port);
    const answers = await Promise.all(slow);
    const after = await haproxyBackendRequests(haproxySocket);

    expect(status).toBe(200);
    expect(answers.map((answer) => answer.split('\r\n')[0])).toEqual(
      answers.map(() => 'HTTP/1.1 408 Request Time-out'),
    );
    // Only the probe reached an api.
    expect(after - before).toBe(1);
  }, 60_000);

  it('a request whose headers exceed the proxy buffer is answered 400 at the proxy and the service stays responsive', async () => {
    const before = await haproxyBackendRequests(haproxySocket);

    const answer = await rawExchange(port, (socket) =>
      socket.write(`GET /health/live HTTP/1.1\r\nHost: cluster\r\nX-Padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`),
    );
    const afterOversized = await haproxyBackendRequests(haproxySocket);
    const status = await liveThroughProxy(port);

    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad request');
    expect(afterOversized).toBe(before);
    expect(status).toBe(200);
  }, 60_000);

  it('request smuggling (Content-Length with Transfer-Encoding, or an obfuscated Transfer-Encoding) gets one answer at most and the smuggled request never reaches an api', async () => {
    const before = await haproxyBackendRequests(haproxySocket);
    const smuggled = 'GET /health/live?smuggled=1 HTTP/1.1\r\nHost: cluster\r\n\r\n';

    const clte = await rawExchange(port, (socket) =>
      socket.write(
        'POST /v1/auth/login HTTP/1.1\r\nHost: cluster\r\nContent-Type: application/json\r\n' +
          `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      ),
    );
    const afterClte = await haproxyBackendRequests(haproxySocket);
    const obfuscated = await rawExchange(port, (socket) =>
      socket.write(
        'POST /v1/auth/login HTTP/1.1\r\nHost: cluster\r\nContent-Type: application/json\r\n' +
          `Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggled}`,
      ),
    );
    const afterObfuscated = await haproxyBackendRequests(haproxySocket);
    const status = await liveThroughProxy(port);

    // The conflicting Content-Length is dropped; the body is framed as chunked; the connection
    // is closed after the one answer, so the bytes behind the body are never read as a request.
    expect(clte.match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
    expect(clte).toMatch(/^HTTP\/1\.1 (4\d\d)/);
    expect(afterClte - before).toBeLessThanOrEqual(1);
    // Two Transfer-Encodings: refused at the proxy, nothing forwarded.
    expect(obfuscated.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad request');
    expect(afterObfuscated).toBe(afterClte);
    expect(status).toBe(200);
  }, 60_000);
});
