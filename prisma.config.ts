import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { DEFAULT_DATABASE_URL, loadLocalEnvFile, readFileVariable } from './libs/platform/src/config/env-sources.ts';

// The Prisma CLI would download a native schema-engine binary; this project runs Prisma's
// WASM build of the same engine through a small stdio stand-in instead (see the file's header).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, 'tools/prisma-schema-engine.cjs');

/** The database the apps would use: the same `.env`, `DATABASE_URL_FILE` and default. */
function databaseUrl(): string {
  loadLocalEnvFile();
  const fromFile = readFileVariable('DATABASE_URL', process.env);
  switch (fromFile.kind) {
    case 'value':
      return fromFile.value;
    case 'conflict':
      throw new Error('DATABASE_URL: set both DATABASE_URL and DATABASE_URL_FILE; set only one');
    case 'unreadable':
      throw new Error(`DATABASE_URL_FILE: cannot read ${fromFile.path} (${fromFile.code})`);
    case 'absent':
      return process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  }
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
  },
  datasource: {
    url: databaseUrl(),
  },
});
