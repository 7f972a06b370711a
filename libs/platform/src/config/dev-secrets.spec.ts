import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type DevSecrets, ensureDevSecrets } from './dev-secrets.js';
import { parseSigningKeys } from './load-environment.js';

/** The built module, as the api and the worker run it (`npm run build` produces it). */
const BUILT_DEV_SECRETS = fileURLToPath(new URL('../../dist/config/dev-secrets.js', import.meta.url));

/**
 * A process that loads the module, says `ready`, then spins until the gate file exists and
 * calls ensureDevSecrets. A released stdin or a signal wakes processes milliseconds apart, so
 * the first one finishes before the others start; spinning releases them together, and they
 * really contend (a version that overwrites the file is caught here).
 */
const CHILD_SCRIPT = `
import { existsSync } from 'node:fs';
import { ensureDevSecrets } from ${JSON.stringify(pathToFileURL(BUILT_DEV_SECRETS).href)};
const [file, gate] = process.argv.slice(1);
process.stdout.write('ready\\n');
while (!existsSync(gate)) {}
process.stdout.write(JSON.stringify(ensureDevSecrets(file)) + '\\n');
`;

interface Contender {
  ready: Promise<void>;
  result: Promise<DevSecrets>;
  /** Ends the process if it is still running (a failed test must not leave spinners behind). */
  kill(): void;
}

function contender(file: string, gate: string): Contender {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT, file, gate], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': by then every byte of the output has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n')) resolve();
    });
    void exited.then(() => reject(new Error(`contender exited before it was ready: ${stderr}`)));
  });
  const result = exited.then((code) => {
    if (code !== 0) throw new Error(`contender exited with ${code}: ${stderr}`);
    const [, line] = stdout.split('\n');
    return JSON.parse(line ?? '') as DevSecrets;
  });
  // Awaited by the test once every contender is ready; this only keeps an early failure from
  // being reported twice (as the failed `ready` and as an unhandled rejection).
  result.catch(() => undefined);
  return {
    ready,
    result,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

describe('ensureDevSecrets', () => {
  let dir: string;
  let file: string;

  beforeAll(() => {
    if (!existsSync(BUILT_DEV_SECRETS)) {
      throw new Error(`${BUILT_DEV_SECRETS} is missing: run \`npm run build\` first`);
    }
  });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-dev-secrets-'));
    file = path.join(dir, 'secrets', 'dev-secrets.json');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('with processes racing to create the file', () => {
    const CONTENDERS = 4;
    let results: DevSecrets[];
    let contenders: Contender[] = [];

    beforeEach(async () => {
      const gate = path.join(dir, 'start');
      contenders = Array.from({ length: CONTENDERS }, () => contender(file, gate));
      await Promise.all(contenders.map((c) => c.ready));
      writeFileSync(gate, '');
      results = await Promise.all(contenders.map((c) => c.result));
    }, 30_000);

    afterEach(() => {
      contenders.forEach((c) => c.kill());
    });

    it('gives every process the same secrets, those of the file', () => {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;

      expect(results).toHaveLength(CONTENDERS);
      for (const secrets of results) expect(secrets).toEqual(stored);
    });

    it('writes valid JSON holding an EC P-256 signing key and a 32-byte encryption key', () => {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;

      expect(parseSigningKeys(stored.jwtSigningKeys)).toHaveLength(1);
      expect(Buffer.from(stored.encryptionKey, 'base64')).toHaveLength(32);
    });

    it('makes the file readable by its owner only (mode 0600) in a private directory (0700)', () => {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    });

    it('leaves no temp file behind', () => {
      expect(readdirSync(path.dirname(file))).toEqual(['dev-secrets.json']);
    });
  });

  it('returns the secrets of an existing file without rewriting it', () => {
    const first = ensureDevSecrets(file);
    const written = statSync(file).mtimeMs;
    const content = readFileSync(file, 'utf8');

    const second = ensureDevSecrets(file);

    expect(second).toEqual(first);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(statSync(file).mtimeMs).toBe(written);
  });

  it('generates different secrets for different files', () => {
    const a = ensureDevSecrets(path.join(dir, 'a.json'));
    const b = ensureDevSecrets(path.join(dir, 'b.json'));

    expect(a.encryptionKey).not.toBe(b.encryptionKey);
    expect(a.jwtSigningKeys).not.toBe(b.jwtSigningKeys);
  });
});
