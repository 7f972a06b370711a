import { existsSync, readFileSync } from 'node:fs';

/**
 * Where configuration comes from, before any validation — shared by both apps, the CLIs and
 * `prisma.config.ts`, so migrations always target the database the apps use. Dependency-free
 * on purpose: the Prisma CLI loads this file directly.
 */

/**
 * Development convenience: `.env` in the working directory, outside production only. Node's
 * loader never overrides a variable that the real environment already holds.
 */
export function loadLocalEnvFile(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV !== 'production' && existsSync('.env')) process.loadEnvFile('.env');
}

/** The development database (a local PostgreSQL with trust auth, or compose's published port). */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/groundwork';

export type FileVariable =
  | { kind: 'absent' }
  | { kind: 'value'; value: string }
  | { kind: 'conflict' }
  | { kind: 'unreadable'; path: string; code: string };

/**
 * `NAME_FILE=/path` stands for `NAME=<file contents>` (Docker and Kubernetes secrets). A
 * trailing newline, as mounted secrets usually have, is not part of the value.
 */
export function readFileVariable(name: string, raw: Record<string, string | undefined>): FileVariable {
  const filePath = raw[`${name}_FILE`];
  if (filePath === undefined) return { kind: 'absent' };
  if (raw[name] !== undefined) return { kind: 'conflict' };
  try {
    return { kind: 'value', value: readFileSync(filePath, 'utf8').replace(/\r?\n$/, '') };
  } catch (error) {
    return { kind: 'unreadable', path: filePath, code: (error as NodeJS.ErrnoException).code ?? 'error' };
  }
}
