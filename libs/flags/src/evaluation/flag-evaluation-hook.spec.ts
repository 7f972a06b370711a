import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { NOOP_PROVIDER, OpenFeature } from '@openfeature/server-sdk';
import { type LogLevel, loadAppConfig, MetricsService, newId } from '@groundwork/platform';
import { builtInDefinitions } from '../definitions/flag-definition.js';
import { FlagEvaluationHook } from './flag-evaluation-hook.js';
import { GroundworkFlagProvider } from './groundwork-flag-provider.js';

/** Given secrets: a development environment generates none. */
const SECRETS = {
  JWT_SIGNING_KEYS: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/** Every line the app's loggers write, by level. */
class WrittenLines implements LoggerService {
  readonly lines: { level: string; message: unknown }[] = [];
  log = (message: unknown) => void this.lines.push({ level: 'log', message });
  warn = (message: unknown) => void this.lines.push({ level: 'warn', message });
  error = (message: unknown) => void this.lines.push({ level: 'error', message });
  debug = (message: unknown) => void this.lines.push({ level: 'debug', message });
  verbose = (message: unknown) => void this.lines.push({ level: 'verbose', message });
}

describe('FlagEvaluationHook on an OpenFeature client', () => {
  const written = new WrittenLines();
  const domains: string[] = [];

  beforeAll(() => Logger.overrideLogger(written));
  afterAll(() => {
    Logger.overrideLogger(new ConsoleLogger());
    for (const domain of domains) OpenFeature.setProvider(domain, NOOP_PROVIDER);
  });

  function client(level: LogLevel) {
    const config = loadAppConfig('api', { ...SECRETS, LOG_LEVEL: level });
    const metrics = new MetricsService(config);
    const hook = new FlagEvaluationHook(metrics, config);
    const domain = `hook-spec-${newId()}`;
    domains.push(domain);
    OpenFeature.setProvider(
      domain,
      new GroundworkFlagProvider({ get: (key) => builtInDefinitions().get(key), source: 'storage' }),
    );
    const featureClient = OpenFeature.getClient(domain);
    featureClient.addHooks(hook);
    const counted = async () =>
      (await metrics.render()).split('\n').filter((line) => line.startsWith('feature_flag_evaluations_total{'));
    return { client: featureClient, hook, counted };
  }

  it('counts every evaluation by flag and result when scraped, its own and recorded ones alike, with no ids', async () => {
    const { client: flags, hook, counted } = client('info');
    const workspaceId = newId();
    for (let i = 0; i < 3; i += 1) await flags.getBooleanValue('attachments', false, { workspaceId });
    const details = await flags.getBooleanDetails('attachments', false, { workspaceId });
    hook.record('attachments', details);
    await flags.getBooleanValue('nobody.declared', false, { workspaceId });

    const lines = await counted();
    expect(lines).toContainEqual(expect.stringMatching(/flag="attachments",result="on".* 5$/));
    expect(lines).toContainEqual(expect.stringMatching(/flag="nobody.declared",result="default".* 1$/));
    expect(lines.filter((line) => line.includes(workspaceId))).toEqual([]);

    // A scrape adds what was counted since the one before: nothing twice.
    await flags.getBooleanValue('attachments', false, { workspaceId });
    expect(await counted()).toContainEqual(expect.stringMatching(/flag="attachments",result="on".* 6$/));
  });

  it('logs every evaluation at debug level when debug lines are written, and builds none otherwise', async () => {
    const quiet = client('info');
    written.lines.length = 0;
    await quiet.client.getBooleanValue('search', false, {});
    expect(written.lines.filter(({ level }) => level === 'debug')).toEqual([]);

    const verbose = client('debug');
    await verbose.client.getBooleanValue('search', false, {});
    expect(written.lines.filter(({ level }) => level === 'debug')).toEqual([
      { level: 'debug', message: { flag: 'search', result: 'on', reason: 'STATIC', variant: 'on' } },
    ]);
  });

  it('logs a fallback to the code default at warn level once per flag and error', async () => {
    const { client: flags } = client('info');
    written.lines.length = 0;
    for (let i = 0; i < 3; i += 1) await flags.getBooleanValue('nobody.declared', true, {});
    await flags.getStringValue('search', 'x', {});
    expect(written.lines.filter(({ level }) => level === 'warn').map(({ message }) => message)).toEqual([
      expect.objectContaining({ flag: 'nobody.declared', errorCode: 'FLAG_NOT_FOUND' }),
      expect.objectContaining({ flag: 'search', errorCode: 'TYPE_MISMATCH' }),
    ]);
  });
});
