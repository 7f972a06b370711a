// Writes the api's OpenAPI document to openapi.json (committed), or with --check fails when
// the committed file differs from what the code generates. Runs on the built api, in Nest's
// preview mode: no provider is instantiated, so no database or Redis is needed.
import { readFileSync, writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from '../dist/api/api.module.js';
import { buildOpenApiDocument } from '../dist/api/openapi.js';
import { configureRouting } from '../dist/api/http/routing.js';

/** The server URL written into the committed spec; a running api serves its own PUBLIC_API_URL. */
const COMMITTED_SERVER_URL = 'http://localhost:3000';
const target = new URL('../openapi.json', import.meta.url);

const app = await NestFactory.create(ApiModule.register(), { preview: true, logger: false, abortOnError: false });
configureRouting(app);
const generated = `${JSON.stringify(buildOpenApiDocument(app, COMMITTED_SERVER_URL), null, 2)}\n`;
await app.close();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing file: reported as drift below
  }
  if (committed !== generated) {
    process.stderr.write('openapi.json is stale: run `npm run build && npm run openapi` and commit the result.\n');
    process.exit(1);
  }
  process.stdout.write('openapi.json is up to date.\n');
} else {
  writeFileSync(target, generated);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
