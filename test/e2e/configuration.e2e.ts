import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../support/app-process.js';
import { eventually } from '../support/wait.js';
import { rawRequest } from './http-client.js';

type Env = Record<string, string | undefined>;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A built app started with exactly `env` (nothing inherited but PATH), as an operator would. */
function spawnApp(app: 'api' | 'worker', env: Env): ChildProcess {
  return spawn(process.execPath, [path.resolve('dist', app, 'main.js')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs an app that is expected to stop by itself; kills it if it has not within the time. */
function runToExit(app: 'api' | 'worker', env: Env, timeoutMs = 15_000): Promise<Finished> {
  const child = spawnApp(app, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const STACK_FRAME = /^\s{4}at /m;

/** The problem list names the variable as an item of its own: `  - NAME: why`. */
function listed(name: string): RegExp {
  return new RegExp(`^\\s*- ${name}: `, 'm');
}

describe('configuration at boot (docs/http-api.md, operator contract)', () => {
  let running: ChildProcess | undefined;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-config-e2e-'));
  });

  afterEach(async () => {
    const child = running;
    running = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await closed;
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the api refuses to boot with invalid values, exit 1, naming every bad variable without a stack trace', async () => {
    const result = await runToExit('api', {
      NODE_ENV: 'test',
      PORT: 'abc',
      DATABASE_URL: 'not-a-url',
      LOG_LEVEL: 'loud',
    });

    expect(result.code).toBe(1);
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(result.stderr).toMatch(listed(name));
    expect(result.stderr).toContain('Invalid configuration');
    expect(`${result.stdout}\n${result.stderr}`).not.toMatch(STACK_FRAME);
  });

  it('in production the api refuses to boot until every required variable is set, listing all of them', async () => {
    const result = await runToExit('api', { NODE_ENV: 'production' });

    expect(result.code).toBe(1);
    const required = [
      'DATABASE_URL',
      'REDIS_URL',
      'SMTP_URL',
      'APP_WEB_URL',
      'PUBLIC_API_URL',
      'JWT_SIGNING_KEYS',
      'ENCRYPTION_KEY',
    ];
    for (const name of required) expect(result.stderr).toMatch(listed(name));
    expect(`${result.stdout}\n${result.stderr}`).not.toMatch(STACK_FRAME);
  });

  it('the worker refuses to boot with a REDIS_URL that is not a Redis URL, exit 1, naming REDIS_URL', async () => {
    const result = await runToExit('worker', {
      NODE_ENV: 'test',
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: 'http://x',
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(listed('REDIS_URL'));
    expect(result.stderr).not.toMatch(listed('DATABASE_URL'));
    expect(`${result.stdout}\n${result.stderr}`).not.toMatch(STACK_FRAME);
  });

  it('reads PORT and DATABASE_URL from the files named by PORT_FILE and DATABASE_URL_FILE', async () => {
    const port = await freePort();
    const portFile = path.join(dir, 'port');
    const databaseUrlFile = path.join(dir, 'database-url');
    writeFileSync(portFile, `${port}\n`);
    // Mounted Kubernetes secrets usually end with a newline: it is not part of the value.
    writeFileSync(databaseUrlFile, `${process.env.DATABASE_URL ?? ''}\n`);
    const child = spawnApp('api', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT_FILE: portFile,
      DATABASE_URL_FILE: databaseUrlFile,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: process.env.REDIS_KEY_PREFIX,
      SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    running = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const exitedEarly = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`the api exited with ${code}:\n${output}`))),
    );
    const ready = await Promise.race([
      eventually(async () => {
        const res = await rawRequest(`http://127.0.0.1:${port}/health/ready`, { timeoutMs: 2000 });
        // Ready (200) can come while Redis is still connecting ('degraded'): wait for 'ok'.
        return res.status === 200 && (JSON.parse(res.body) as { status: string }).status === 'ok' && res;
      }, 20_000),
      exitedEarly,
    ]);

    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', checks: { database: { status: 'up' } } });
  });

  it('refuses a variable given both directly and as NAME_FILE, exit 1', async () => {
    const portFile = path.join(dir, 'port-conflict');
    writeFileSync(portFile, '4000');
    const result = await runToExit('api', { NODE_ENV: 'test', PORT: '4001', PORT_FILE: portFile });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(listed('PORT'));
    expect(result.stderr).toContain('PORT_FILE');
    expect(`${result.stdout}\n${result.stderr}`).not.toMatch(STACK_FRAME);
  });
});
