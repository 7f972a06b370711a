/**
 * Static checks of docker-compose.yml (no Docker engine needed): start order, the
 * production image's commands, and a stop grace period that fits the apps' drain.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Defaults of SHUTDOWN_DRAIN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (docs/http-api.md, operator contract). */
const DRAIN_SECONDS = (5000 + 20000) / 1000;

interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  stop_grace_period?: string;
  healthcheck?: { test?: string[] };
  read_only?: boolean;
  ports?: string[];
  profiles?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

function loadCompose(): ComposeFile {
  // merge: true resolves the `<<:` anchors the file uses to share settings.
  return parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

/** A package.json script's command as an argument list (the start scripts have no quoting). */
function startScript(name: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return manifest.scripts[name].split(/\s+/);
}

function seconds(duration: string | undefined): number {
  const match = /^(\d+)(s|m)$/.exec(duration ?? '');
  if (match === null) return 10; // Docker's default stop timeout
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

describe('docker-compose.yml', () => {
  const { services } = loadCompose();

  it('runs PostgreSQL 15 and Redis 7 with health checks', () => {
    expect(services.postgres.image).toBe('postgres:15');
    expect(services.redis.image).toBe('redis:7');
    expect(services.postgres.healthcheck?.test).toBeDefined();
    expect(services.redis.healthcheck?.test).toBeDefined();
  });

  it('publishes PostgreSQL and Redis on the loopback address only, reachable by the default URLs', () => {
    expect(services.postgres.ports).toEqual(['127.0.0.1:${POSTGRES_PORT:-5432}:5432']);
    expect(services.redis.ports).toEqual(['127.0.0.1:${REDIS_PORT:-6379}:6379']);
    // The default DATABASE_URL is postgresql://postgres@127.0.0.1:5432/groundwork (no password).
    expect(services.postgres.environment).toMatchObject({
      POSTGRES_HOST_AUTH_METHOD: 'trust',
      POSTGRES_DB: 'groundwork',
    });
    expect(services.postgres.environment?.POSTGRES_USER ?? 'postgres').toBe('postgres');
  });

  it("migrates once, from the Dockerfile's migrate target, before the apps start", () => {
    const { migrate, api, worker } = services;
    expect(migrate.command?.join(' ')).toMatch(/\bnpm run db:migrate\b/);
    expect(migrate.build).toEqual({ context: '.', target: 'migrate' });
    expect(api.build).toEqual({ context: '.', target: 'runtime' });
    expect(migrate.image).not.toBe(api.image);
    expect(worker.image).toBe(api.image);
    expect(migrate.read_only).toBe(true);
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it.each(['api', 'worker'])('starts the %s after its dependencies and lets it drain on stop', (name) => {
    const service = services[name];
    // The start:* script's command line (V8 flags included), with node as PID 1.
    expect(service.command).toEqual(startScript(`start:${name}`));
    expect(service.depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(seconds(service.stop_grace_period)).toBeGreaterThan(DRAIN_SECONDS);
    // The image has production dependencies only; development mode would load devDependencies.
    expect(service.environment?.NODE_ENV).toBe('production');
    expect(service.healthcheck?.test?.join(' ')).toMatch(/\/health\/ready/);
    expect(service.read_only).toBe(true);
  });

  it('provides every variable production mode requires', () => {
    for (const name of ['api', 'worker']) {
      const environment = services[name].environment ?? {};
      for (const key of [
        'DATABASE_URL',
        'REDIS_URL',
        'SMTP_URL',
        'APP_WEB_URL',
        'PUBLIC_API_URL',
        'JWT_SIGNING_KEYS',
        'ENCRYPTION_KEY',
      ]) {
        expect({ name, key, set: key in environment || `${key}_FILE` in environment }).toEqual({
          name,
          key,
          set: true,
        });
      }
    }
  });

  it('runs Elasticsearch only under the elasticsearch profile: a pinned official image, one node, security off, on the loopback address', () => {
    const { elasticsearch, api, worker } = services;
    expect(elasticsearch.profiles).toEqual(['elasticsearch']);
    expect(elasticsearch.image).toMatch(/^docker\.elastic\.co\/elasticsearch\/elasticsearch:\d+\.\d+\.\d+$/);
    expect(elasticsearch.environment).toMatchObject({
      'discovery.type': 'single-node',
      'xpack.security.enabled': 'false',
    });
    expect(elasticsearch.ports).toEqual(['127.0.0.1:${ELASTICSEARCH_PORT:-9200}:9200']);
    expect(elasticsearch.healthcheck?.test).toBeDefined();
    for (const app of [api, worker]) {
      // PostgreSQL search unless SEARCH_DRIVER is set when compose starts; the apps never wait for Elasticsearch.
      expect(app.environment).toMatchObject({
        SEARCH_DRIVER: '${SEARCH_DRIVER:-postgres}',
        ELASTICSEARCH_URL: 'http://elasticsearch:9200',
      });
      expect(Object.keys(app.depends_on ?? {})).not.toContain('elasticsearch');
    }
  });
});
