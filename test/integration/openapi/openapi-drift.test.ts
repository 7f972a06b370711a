import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string }>>;
}

describe('the committed OpenAPI document', () => {
  it('is exactly what the built api generates', () => {
    const result = spawnSync(process.execPath, ['scripts/openapi.js', '--check'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('gives every operation a unique, meaningful operationId', () => {
    const spec = JSON.parse(readFileSync('openapi.json', 'utf8')) as OpenApiDocument;
    const ids = Object.values(spec.paths).flatMap((operations) =>
      Object.values(operations).map((op) => op.operationId),
    );
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
