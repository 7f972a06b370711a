import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Min } from 'class-validator';
import { ConfigValidationError } from './config.errors.js';
import { DuplicateConfigError, defineConfig } from './config-slices.js';
import { envInt } from './env-transforms.js';
import { loadAppConfig } from './load-app-config.js';

class ThingsEnvironment {
  @Transform(envInt)
  @IsInt()
  @Min(1)
  THINGS_PER_PAGE = 20;

  @IsString()
  THINGS_LABEL = 'things';
}

// The registry is the process's: this spec's module registry starts empty.
const THINGS_CONFIG = defineConfig({
  key: 'things',
  environment: ThingsEnvironment,
  build: (env, { isProduction }) => ({ perPage: env.THINGS_PER_PAGE, label: env.THINGS_LABEL, isProduction }),
});

/** A development environment with its secrets given, so none are generated. */
const SECRETS = {
  JWT_SIGNING_KEYS: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

describe('configuration slices', () => {
  it('adds each registered slice to the configuration as its section, with its defaults', () => {
    const config = loadAppConfig('api', { ...SECRETS, THINGS_PER_PAGE: '50' });

    expect((config as unknown as Record<string, unknown>).things).toEqual({
      perPage: 50,
      label: 'things',
      isProduction: false,
    });
  });

  it('reports a slice’s problems with the platform’s, in one ConfigValidationError', () => {
    let caught: unknown;
    try {
      loadAppConfig('api', { ...SECRETS, PORT: '70000', THINGS_PER_PAGE: '0' });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigValidationError);
    expect((caught as ConfigValidationError).problems).toEqual([
      'PORT: PORT must not be greater than 65535',
      'THINGS_PER_PAGE: THINGS_PER_PAGE must not be less than 1',
    ]);
  });

  it('accepts the same slice again (a library loaded twice) but not a second owner of a section or variable', () => {
    expect(() => defineConfig(THINGS_CONFIG)).not.toThrow();
    expect(() => defineConfig({ ...THINGS_CONFIG })).toThrow(DuplicateConfigError);
    expect(() => defineConfig({ key: 'gadgets', environment: ThingsEnvironment, build: () => ({}) })).toThrow(
      'configuration variable THINGS_PER_PAGE is defined twice',
    );
    class PortEnvironment {
      @Transform(envInt)
      @IsInt()
      PORT = 1;
    }
    expect(() => defineConfig({ key: 'ports', environment: PortEnvironment, build: () => ({}) })).toThrow(
      'configuration variable PORT is defined twice',
    );
  });
});
