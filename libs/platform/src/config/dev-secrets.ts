import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface DevSecrets {
  jwtSigningKeys: string;
  encryptionKey: string;
}

function generate(): DevSecrets {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    jwtSigningKeys: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    encryptionKey: randomBytes(32).toString('base64'),
  };
}

/**
 * Development only: the api and the worker must agree on generated secrets. The first process
 * writes them completely to a temp file and then `link`s it to the final name, which fails if
 * another process got there first; the loser reads the winner's file. No reader ever sees a
 * half-written file.
 */
export function ensureDevSecrets(file: string): DevSecrets {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(generate(), null, 2));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(tmp);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
}
