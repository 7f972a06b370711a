import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { type AppConfig, ConfigValidationError, loadAppConfig, type RawEnvironment } from '@groundwork/platform';
import { WEBHOOKS_CONFIG, WebhooksEnvironment } from './webhooks-config.js';

/** Given secrets: a development environment generates none. */
const SECRETS = {
  JWT_SIGNING_KEYS: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

const PRODUCTION = { env: 'production', isProduction: true } as const;

describe('the webhooks configuration (config.webhooks)', () => {
  function appConfig(raw: RawEnvironment): AppConfig {
    return loadAppConfig('api', { ...SECRETS, ...raw });
  }

  it('applies the development default of every webhook variable when the environment is empty', () => {
    expect(appConfig({}).webhooks).toEqual({
      allowPrivateNetworks: false,
      allowHttp: true,
      retryDelaysMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000],
      timeoutMs: 10000,
      disableAfter: 5,
      deliveryRetentionDays: 30,
      allowedPorts: [80, 443, 8080, 8443],
      workspaceConcurrency: 5,
    });
  });

  it('reads WEBHOOK_ALLOWED_PORTS and WEBHOOK_WORKSPACE_CONCURRENCY', () => {
    const config = appConfig({ WEBHOOK_ALLOWED_PORTS: '443, 9443', WEBHOOK_WORKSPACE_CONCURRENCY: '2' });

    expect(config.webhooks).toMatchObject({ allowedPorts: [443, 9443], workspaceConcurrency: 2 });
  });

  it('converts booleans from their text form', () => {
    const config = appConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes', WEBHOOK_ALLOW_HTTP: 'false' });

    expect(config.webhooks.allowPrivateNetworks).toBe(true);
    expect(config.webhooks.allowHttp).toBe(false);
  });

  it('reports an invalid webhook variable with the platform’s problems, in one ConfigValidationError', () => {
    let caught: unknown;
    try {
      appConfig({ PORT: 'eighty', WEBHOOK_RETRY_DELAYS: '5 seconds' });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigValidationError);
    expect(new Set((caught as ConfigValidationError).problems.map((problem) => problem.split(':')[0]))).toEqual(
      new Set(['PORT', 'WEBHOOK_RETRY_DELAYS']),
    );
    expect((caught as Error).message).toContain(
      'WEBHOOK_RETRY_DELAYS: WEBHOOK_RETRY_DELAYS must be a comma-separated list of durations like 5s,5m,2h',
    );
  });

  it('allows http:// webhook URLs by default in development', () => {
    expect(appConfig({}).webhooks.allowHttp).toBe(true);
  });

  it('refuses http:// webhook URLs by default in production', () => {
    expect(WEBHOOKS_CONFIG.build(new WebhooksEnvironment(), PRODUCTION).allowHttp).toBe(false);
  });

  it('lets WEBHOOK_ALLOW_HTTP override the default of the environment', () => {
    const allowed = Object.assign(new WebhooksEnvironment(), { WEBHOOK_ALLOW_HTTP: true });
    expect(WEBHOOKS_CONFIG.build(allowed, PRODUCTION).allowHttp).toBe(true);
    expect(appConfig({ WEBHOOK_ALLOW_HTTP: 'false' }).webhooks.allowHttp).toBe(false);
  });

  it('parses WEBHOOK_RETRY_DELAYS into milliseconds', () => {
    expect(appConfig({ WEBHOOK_RETRY_DELAYS: '200ms, 5s,5m ,2h' }).webhooks.retryDelaysMs).toEqual([
      200, 5_000, 300_000, 7_200_000,
    ]);
  });

  it('reads a webhook variable from its X_FILE variable like any variable of the contract', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-config-'));
    try {
      writeFileSync(path.join(dir, 'timeout'), '2500\n');

      expect(appConfig({ WEBHOOK_TIMEOUT_MS_FILE: path.join(dir, 'timeout') }).webhooks.timeoutMs).toBe(2500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
