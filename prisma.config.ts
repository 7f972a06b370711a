import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The Prisma CLI would download a native schema-engine binary; this project runs Prisma's
// WASM build of the same engine through a small stdio stand-in instead (see the file's header).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, 'tools/prisma-schema-engine.cjs');

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
  },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/groundwork',
  },
});
