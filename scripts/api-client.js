// Generates the typed client (libs/api-client/src/generated, committed) from openapi.json with
// @hey-api/openapi-ts, or with --check fails when the committed output differs from what the
// spec generates (like `npm run openapi -- --check`). `--input <spec>` generates or checks from
// another spec file (the drift test uses it on a mutated copy).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@hey-api/openapi-ts';
import { clientConfig, GENERATED_PATH } from '../libs/api-client/openapi-ts.config.js';

const { values } = parseArgs({
  options: { check: { type: 'boolean', default: false }, input: { type: 'string' } },
});
const input = values.input ? path.resolve(values.input) : undefined;

/** Every file under `root`, as relative path → contents. */
function readTree(root) {
  const files = new Map();
  let entries = [];
  try {
    entries = readdirSync(root, { recursive: true, withFileTypes: true });
  } catch {
    // missing folder: an empty tree, reported as drift below
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(root, full), readFileSync(full, 'utf8'));
  }
  return files;
}

if (values.check) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'gw-api-client-'));
  try {
    // Silent: CI's log should say stale or up to date, not narrate a generation; failures still throw.
    await createClient({ ...clientConfig({ input, output: scratch }), logs: { level: 'silent', file: false } });
    const fresh = readTree(scratch);
    const committed = readTree(GENERATED_PATH);
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])]
      .filter((file) => fresh.get(file) !== committed.get(file))
      .sort();
    if (stale.length > 0) {
      process.stderr.write(
        `libs/api-client/src/generated is stale (${stale.join(', ')}): run \`npm run client:generate\` and commit the result.\n`,
      );
      process.exitCode = 1;
    } else {
      process.stdout.write('libs/api-client/src/generated is up to date.\n');
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  await createClient(clientConfig({ input }));
  process.stdout.write(`wrote ${GENERATED_PATH}\n`);
}
