import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';

interface SpecDocument {
  paths: Record<string, Record<string, { operationId?: string; parameters?: Array<{ in: string; name: string }> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

function runCheck(...extra: string[]) {
  return spawnSync(process.execPath, ['scripts/api-client.js', '--check', ...extra], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('the generated api client (libs/api-client/src/generated)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'gw-client-drift-'));
  const spec = JSON.parse(readFileSync('openapi.json', 'utf8')) as SpecDocument;

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is exactly what the committed openapi.json generates', () => {
    const result = runCheck();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('up to date');
    expect(result.status).toBe(0);
  });

  it('is reported stale when the spec changes', () => {
    const changed = structuredClone(spec);
    const me = changed.components.schemas.MeDto;
    if (!me?.properties) throw new Error('openapi.json has no MeDto properties to change');
    me.properties.nickname = { type: 'string' };
    const input = path.join(scratch, 'openapi.changed.json');
    writeFileSync(input, JSON.stringify(changed));

    const result = runCheck('--input', input);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is stale \(types\.gen\.ts\): run `npm run client:generate`/);
  });

  // What broke generation before: a $ref to a schema the document lacked, and templated paths
  // whose parameter was read from a guard instead of @Param (so Swagger never declared it).
  it('is generated from a spec a generator can resolve: every $ref and path parameter declared', () => {
    const text = readFileSync('openapi.json', 'utf8');
    const referenced = new Set([...text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]));
    const missing = [...referenced].filter((name) => name === undefined || !(name in spec.components.schemas));
    expect(missing).toEqual([]);

    const undeclared: string[] = [];
    for (const [route, operations] of Object.entries(spec.paths)) {
      const templated = [...route.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      for (const operation of Object.values(operations)) {
        const declared = (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => parameter.name)
          .sort();
        if (JSON.stringify(declared) !== JSON.stringify(templated))
          undeclared.push(`${operation.operationId} ${route}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
