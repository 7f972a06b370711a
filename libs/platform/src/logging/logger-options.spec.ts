import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { Options } from 'pino-http';
import { pino, type Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { Environment } from '../config/environment.js';
import { RequestContext } from '../context/request-context.js';
import { loggerOptions, prettyTransport } from './logger-options.js';

function testConfig(nodeEnv: 'test' | 'development' | 'production' = 'test'): AppConfig {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const env = Object.assign(new Environment(), {
    NODE_ENV: nodeEnv,
    LOG_LEVEL: 'info',
    JWT_SIGNING_KEYS: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  return new AppConfig('api', env);
}

/** The pino-http options of the app (an object here: no destination stream is configured). */
function pinoHttpOptions(config: AppConfig): Options {
  const options = loggerOptions(config).pinoHttp;
  if (options === undefined || Array.isArray(options) || 'write' in options) {
    throw new Error('expected loggerOptions to give pino-http an options object');
  }
  return options;
}

describe('loggerOptions', () => {
  let lines: Record<string, unknown>[];
  let logger: Logger;

  beforeEach(() => {
    const options = pinoHttpOptions(testConfig());
    lines = [];
    // A real pino logger with the app's redaction and mixin, writing to memory.
    logger = pino(
      { level: 'info', redact: options.redact, mixin: options.mixin },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
  });

  function lastLine(): Record<string, unknown> {
    const line = lines.at(-1);
    if (!line) throw new Error('nothing was logged');
    return line;
  }

  it('redacts the authorization and cookie headers of a logged request', () => {
    logger.info(
      {
        req: {
          method: 'GET',
          headers: {
            authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.payload.signature',
            cookie: 'gw_session=s3cr3t',
            'x-csrf-token': 'csrf-value',
            'x-api-key': 'gw_key_secret',
            accept: 'application/json',
          },
        },
      },
      'request',
    );

    expect(lastLine().req).toEqual({
      method: 'GET',
      headers: {
        authorization: '[redacted]',
        cookie: '[redacted]',
        'x-csrf-token': '[redacted]',
        'x-api-key': '[redacted]',
        accept: 'application/json',
      },
    });
  });

  it('redacts the set-cookie header of a logged response', () => {
    logger.info({ res: { statusCode: 200, headers: { 'set-cookie': 'gw_session=s3cr3t' } } }, 'response');

    expect(lastLine().res).toEqual({ statusCode: 200, headers: { 'set-cookie': '[redacted]' } });
  });

  it('redacts password, token, refreshToken, secret and their kin in a logged object', () => {
    logger.info(
      {
        body: {
          email: 'ada@example.com',
          password: 'correct horse battery staple',
          newPassword: 'another one',
          token: 'verify-token',
          accessToken: 'access-token',
          refreshToken: 'refresh-token',
          secret: 'whsec_abc',
          apiKey: 'gw_abc',
        },
      },
      'login attempt',
    );

    expect(lastLine().body).toEqual({
      email: 'ada@example.com',
      password: '[redacted]',
      newPassword: '[redacted]',
      token: '[redacted]',
      accessToken: '[redacted]',
      refreshToken: '[redacted]',
      secret: '[redacted]',
      apiKey: '[redacted]',
    });
  });

  it('leaves no secret value anywhere in the written line', () => {
    logger.info(
      { req: { headers: { authorization: 'Bearer AAA-secret-1' } }, body: { refreshToken: 'BBB-secret-2' } },
      'x',
    );

    expect(JSON.stringify(lines)).not.toMatch(/secret-1|secret-2/);
  });

  it('adds the request id of the request context to a line logged inside it', () => {
    RequestContext.run({ requestId: 'r-1' }, () => logger.info('inside the request'));

    expect(lastLine()).toMatchObject({ requestId: 'r-1', msg: 'inside the request' });
  });

  it('adds the user and workspace learnt during the request', () => {
    RequestContext.run({ requestId: 'r-2' }, () => {
      RequestContext.assign({ userId: 'user-1', workspaceId: 'ws-1' });
      logger.info('after authentication');
    });

    expect(lastLine()).toMatchObject({ requestId: 'r-2', userId: 'user-1', workspaceId: 'ws-1' });
  });

  it('adds no request id to a line logged outside any request', () => {
    logger.info('at boot');

    expect(lastLine()).not.toHaveProperty('requestId');
  });

  it('names the service and uses the configured level', () => {
    const options = pinoHttpOptions(testConfig());

    expect(options.level).toBe('info');
    expect(options.name).toBe('groundwork-api');
    expect(options.base).toEqual({ service: 'api' });
  });
});

describe('prettyTransport', () => {
  it('pretty-prints development logs through pino-pretty where it is installed (a devDependency here)', () => {
    expect(prettyTransport(testConfig('development'))).toEqual({
      target: 'pino-pretty',
      options: { singleLine: true },
    });
  });

  it('writes JSON lines, with no transport thread, outside development', () => {
    expect(prettyTransport(testConfig('production'))).toBeUndefined();
    expect(prettyTransport(testConfig('test'))).toBeUndefined();
  });
});
