import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { AppConfig } from './app-config.js';
import { ConfigValidationError } from './config.errors.js';
import { loadAppConfig } from './load-app-config.js';
import { loadEnvironment, type RawEnvironment } from './load-environment.js';

function ecSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function encryptionKey(bytes = 32): string {
  return randomBytes(bytes).toString('base64');
}

/** The problems of an environment that must be refused (fails the test if it loads). */
function problemsOf(raw: RawEnvironment): readonly string[] {
  try {
    loadEnvironment(raw);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected loadEnvironment to throw a ConfigValidationError');
}

describe('loadEnvironment', () => {
  let dir: string;
  let devSecretsFile: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-config-'));
    devSecretsFile = path.join(dir, 'secrets', 'dev-secrets.json');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A file holding `content`, for `X_FILE` variables. */
  function secretFile(name: string, content: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  function productionEnvironment(): RawEnvironment {
    return {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://gw:pw@db.internal:5432/groundwork',
      REDIS_URL: 'rediss://redis.internal:6380',
      SMTP_URL: 'smtp://mailer:pw@smtp.internal:587',
      APP_WEB_URL: 'https://app.example.com',
      PUBLIC_API_URL: 'https://api.example.com',
      JWT_SIGNING_KEYS: ecSigningKey(),
      ENCRYPTION_KEY: encryptionKey(),
      DEV_SECRETS_FILE: devSecretsFile,
    };
  }

  describe('defaults', () => {
    it('applies the development default of every variable when the environment is empty', () => {
      const env = loadEnvironment({ DEV_SECRETS_FILE: devSecretsFile });

      expect(env).toMatchObject({
        NODE_ENV: 'development',
        PORT: 3000,
        WORKER_PORT: 3001,
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/groundwork',
        DATABASE_POOL_MAX: 10,
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: 'gw',
        APP_WEB_URL: 'http://localhost:5173',
        PUBLIC_API_URL: 'http://localhost:3000',
        CORS_ORIGINS: '',
        LOG_LEVEL: 'info',
        RATE_LIMIT_PER_MINUTE: 600,
        TRUST_PROXY: '',
        SHUTDOWN_DRAIN_DELAY_MS: 5000,
        SHUTDOWN_TIMEOUT_MS: 20000,
        BODY_LIMIT: '1mb',
      });
      expect(env.SMTP_URL).toBeUndefined();
    });

    it('generates the development secrets into DEV_SECRETS_FILE and uses them', () => {
      const env = loadEnvironment({ DEV_SECRETS_FILE: devSecretsFile });

      const stored = JSON.parse(readFileSync(devSecretsFile, 'utf8')) as Record<string, string>;
      expect(env.JWT_SIGNING_KEYS).toBe(stored.jwtSigningKeys);
      expect(env.ENCRYPTION_KEY).toBe(stored.encryptionKey);
      expect(env.JWT_SIGNING_KEYS).toContain('-----BEGIN PRIVATE KEY-----');
      expect(Buffer.from(env.ENCRYPTION_KEY ?? '', 'base64')).toHaveLength(32);
    });

    it('reuses the generated secrets on the next load instead of generating new ones', () => {
      const first = loadEnvironment({ DEV_SECRETS_FILE: devSecretsFile });

      const second = loadEnvironment({ DEV_SECRETS_FILE: devSecretsFile });

      expect(second.JWT_SIGNING_KEYS).toBe(first.JWT_SIGNING_KEYS);
      expect(second.ENCRYPTION_KEY).toBe(first.ENCRYPTION_KEY);
    });

    it('treats an empty value as unset and falls back to the default', () => {
      const env = loadEnvironment({ PORT: '', LOG_LEVEL: '', DEV_SECRETS_FILE: devSecretsFile });

      expect(env.PORT).toBe(3000);
      expect(env.LOG_LEVEL).toBe('info');
    });

    it('converts numbers and booleans from their text form', () => {
      const env = loadEnvironment({
        PORT: '8080',
        QUEUE_DASHBOARD_WRITABLE: 'yes',
        DEV_SECRETS_FILE: devSecretsFile,
      });

      expect(env.PORT).toBe(8080);
      expect(env.QUEUE_DASHBOARD_WRITABLE).toBe(true);
    });
  });

  describe('validation', () => {
    it('lists every invalid variable in one ConfigValidationError', () => {
      const problems = problemsOf({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://db.internal/groundwork',
        CORS_ORIGINS: 'ftp://files.example.com',
        DEV_SECRETS_FILE: devSecretsFile,
      });

      const variables = new Set(problems.map((problem) => problem.split(':')[0]));
      expect(variables).toEqual(new Set(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'CORS_ORIGINS']));
    });

    it('names every problem in the error message', () => {
      let caught: unknown;
      try {
        loadEnvironment({ PORT: '70000', LOG_LEVEL: 'loud', DEV_SECRETS_FILE: devSecretsFile });
      } catch (error) {
        caught = error;
      }

      expect(caught).toBeInstanceOf(ConfigValidationError);
      expect((caught as Error).message).toMatch(/^Invalid configuration:\n {2}- PORT: .+\n {2}- LOG_LEVEL: .+$/);
    });

    it('generates no development secrets while the environment is invalid', () => {
      problemsOf({ PORT: 'eighty', DEV_SECRETS_FILE: devSecretsFile });

      expect(existsSync(devSecretsFile)).toBe(false);
    });
  });

  describe('X_FILE variables', () => {
    it('reads the value from the file, without its trailing newline', () => {
      const file = secretFile('database-url', 'postgresql://gw@db-from-file:5432/groundwork\n');

      const env = loadEnvironment({ DATABASE_URL_FILE: file, DEV_SECRETS_FILE: devSecretsFile });

      expect(env.DATABASE_URL).toBe('postgresql://gw@db-from-file:5432/groundwork');
    });

    it('reads a multi-line secret such as a PEM key intact', () => {
      const pem = ecSigningKey();
      const file = secretFile('jwt-keys.pem', pem);

      const env = loadEnvironment({ JWT_SIGNING_KEYS_FILE: file, DEV_SECRETS_FILE: devSecretsFile });

      expect(env.JWT_SIGNING_KEYS).toBe(pem.replace(/\n$/, ''));
    });

    it('refuses a variable given both directly and as a file', () => {
      const file = secretFile('database-url', 'postgresql://gw@db-from-file:5432/groundwork\n');

      const problems = problemsOf({
        DATABASE_URL: 'postgresql://gw@db-direct:5432/groundwork',
        DATABASE_URL_FILE: file,
        DEV_SECRETS_FILE: devSecretsFile,
      });

      expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL: set both DATABASE_URL and DATABASE_URL_FILE/)]);
    });

    it('reports a file that cannot be read, with its path and the reason', () => {
      const missing = path.join(dir, 'no-such-secret');

      const problems = problemsOf({ ENCRYPTION_KEY_FILE: missing, DEV_SECRETS_FILE: devSecretsFile });

      expect(problems).toEqual([`ENCRYPTION_KEY_FILE: cannot read ${missing} (ENOENT)`]);
    });

    it('reports a path that is not a readable file', () => {
      const problems = problemsOf({ SMTP_URL_FILE: dir, DEV_SECRETS_FILE: devSecretsFile });

      expect(problems).toEqual([`SMTP_URL_FILE: cannot read ${dir} (EISDIR)`]);
    });

    it('ignores *_FILE variables that are not part of the operator contract', () => {
      const env = loadEnvironment({
        HISTFILE_FILE: path.join(dir, 'does-not-exist'),
        KUBECONFIG_FILE: '/nonexistent/kubeconfig',
        GOOGLE_APPLICATION_CREDENTIALS_FILE: '/nonexistent/creds.json',
        DEV_SECRETS_FILE: devSecretsFile,
      });

      expect(env.NODE_ENV).toBe('development');
    });
  });

  describe('production', () => {
    it('lists every variable production requires when none is set', () => {
      const problems = problemsOf({ NODE_ENV: 'production', DEV_SECRETS_FILE: devSecretsFile });

      expect(problems).toEqual(
        expect.arrayContaining([
          'DATABASE_URL: required when NODE_ENV=production',
          'REDIS_URL: required when NODE_ENV=production',
          'SMTP_URL: required when NODE_ENV=production',
          'APP_WEB_URL: required when NODE_ENV=production',
          'PUBLIC_API_URL: required when NODE_ENV=production',
          'JWT_SIGNING_KEYS: required when NODE_ENV=production',
          'ENCRYPTION_KEY: required when NODE_ENV=production',
        ]),
      );
      expect(problems).toHaveLength(7);
      expect(existsSync(devSecretsFile)).toBe(false);
    });

    it('names only the missing variable when the others are set', () => {
      const { ENCRYPTION_KEY: _omitted, ...raw } = productionEnvironment();

      expect(problemsOf(raw)).toEqual(['ENCRYPTION_KEY: required when NODE_ENV=production']);
    });

    it('loads with the required variables set, taking every other value from its default', () => {
      const raw = productionEnvironment();

      const env = loadEnvironment(raw);

      expect(env).toMatchObject({
        NODE_ENV: 'production',
        DATABASE_URL: raw.DATABASE_URL,
        REDIS_URL: raw.REDIS_URL,
        SMTP_URL: raw.SMTP_URL,
        APP_WEB_URL: raw.APP_WEB_URL,
        PUBLIC_API_URL: raw.PUBLIC_API_URL,
        JWT_SIGNING_KEYS: raw.JWT_SIGNING_KEYS,
        ENCRYPTION_KEY: raw.ENCRYPTION_KEY,
        PORT: 3000,
      });
      expect(existsSync(devSecretsFile)).toBe(false);
    });

    it('loads the required secrets from X_FILE variables', () => {
      const { JWT_SIGNING_KEYS: pem = '', ENCRYPTION_KEY: key = '', ...raw } = productionEnvironment();

      const env = loadEnvironment({
        ...raw,
        JWT_SIGNING_KEYS_FILE: secretFile('jwt.pem', pem),
        ENCRYPTION_KEY_FILE: secretFile('encryption-key', `${key}\n`),
      });

      expect(env.ENCRYPTION_KEY).toBe(key);
      expect(env.JWT_SIGNING_KEYS).toBe(pem.replace(/\n$/, ''));
    });
  });

  describe('secrets', () => {
    it('accepts several concatenated EC P-256 keys (rotation)', () => {
      const keys = `${ecSigningKey()}${ecSigningKey()}`;

      const config = new AppConfig('api', loadEnvironment({ ...productionEnvironment(), JWT_SIGNING_KEYS: keys }));

      expect(config.secrets.jwtSigningKeys).toHaveLength(2);
    });

    it('refuses an RSA key as a JWT signing key', () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rsa = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

      const problems = problemsOf({ ...productionEnvironment(), JWT_SIGNING_KEYS: rsa });

      expect(problems).toEqual(['JWT_SIGNING_KEYS: every key must be an EC P-256 private key (ES256)']);
    });

    it('refuses an EC key on another curve than P-256', () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const p384 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

      const problems = problemsOf({ ...productionEnvironment(), JWT_SIGNING_KEYS: p384 });

      expect(problems).toEqual(['JWT_SIGNING_KEYS: every key must be an EC P-256 private key (ES256)']);
    });

    it('refuses JWT_SIGNING_KEYS that hold no PEM key', () => {
      const problems = problemsOf({ ...productionEnvironment(), JWT_SIGNING_KEYS: 'not a key at all' });

      expect(problems).toEqual(['JWT_SIGNING_KEYS: no PEM private key found']);
    });

    it('refuses a PEM block whose body is garbage', () => {
      const garbage = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';

      const problems = problemsOf({ ...productionEnvironment(), JWT_SIGNING_KEYS: garbage });

      expect(problems).toEqual([expect.stringMatching(/^JWT_SIGNING_KEYS: /)]);
    });

    it.each([16, 31, 33, 64])('refuses an ENCRYPTION_KEY of %i bytes', (bytes) => {
      const problems = problemsOf({ ...productionEnvironment(), ENCRYPTION_KEY: encryptionKey(bytes) });

      expect(problems).toEqual(['ENCRYPTION_KEY: must be the base64 encoding of exactly 32 bytes']);
    });

    it('validates secrets given in development as well', () => {
      const problems = problemsOf({ ENCRYPTION_KEY: encryptionKey(8), DEV_SECRETS_FILE: devSecretsFile });

      expect(problems).toEqual(['ENCRYPTION_KEY: must be the base64 encoding of exactly 32 bytes']);
    });
  });
});

describe('AppConfig from the environment', () => {
  let dir: string;
  let devSecretsFile: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-config-'));
    devSecretsFile = path.join(dir, 'dev-secrets.json');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function appConfig(raw: RawEnvironment): AppConfig {
    return new AppConfig('api', loadEnvironment(raw), raw);
  }

  function production(extra: RawEnvironment = {}): RawEnvironment {
    return {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://gw@db.internal:5432/groundwork',
      REDIS_URL: 'redis://redis.internal:6379',
      SMTP_URL: 'smtp://smtp.internal:25',
      APP_WEB_URL: 'https://app.example.com',
      PUBLIC_API_URL: 'https://api.example.com',
      JWT_SIGNING_KEYS: ecSigningKey(),
      ENCRYPTION_KEY: encryptionKey(),
      ...extra,
    };
  }

  it('requires TLS for mail to a remote SMTP host in production, and boots with a plain smtp:// URL', () => {
    expect(appConfig(production()).mail.requireTls).toBe(true);
    expect(appConfig(production({ SMTP_REQUIRE_TLS: 'false' })).mail.requireTls).toBe(false);
  });

  it('exempts loopback SMTP hosts, smtps:// and development from SMTP_REQUIRE_TLS', () => {
    for (const SMTP_URL of ['smtp://127.0.0.1:1025', 'smtp://localhost:25', 'smtp://[::1]:25', 'smtp://127.0.1.1:25']) {
      expect(appConfig(production({ SMTP_URL })).mail.requireTls).toBe(false);
    }
    // Implicit TLS from the first byte: nothing left to require.
    expect(appConfig(production({ SMTP_URL: 'smtps://smtp.internal:465' })).mail.requireTls).toBe(false);
    const development = appConfig({ SMTP_URL: 'smtp://smtp.internal:25', DEV_SECRETS_FILE: devSecretsFile });
    expect(development.mail.requireTls).toBe(false);
  });

  it('reads one OIDC provider per OIDC_<NAME>_ISSUER, named in lower case', () => {
    const config = appConfig({
      OIDC_GOOGLE_ISSUER: 'https://accounts.google.com',
      OIDC_GOOGLE_CLIENT_ID: 'google-client',
      OIDC_GOOGLE_CLIENT_SECRET: 'google-secret',
      OIDC_CORP2_ISSUER: 'https://sso.corp.example',
      OIDC_CORP2_CLIENT_ID: 'corp-client',
      OIDC_CORP2_CLIENT_SECRET: 'corp-secret',
      DEV_SECRETS_FILE: devSecretsFile,
    });

    expect([...config.oidc].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      {
        name: 'corp2',
        issuer: 'https://sso.corp.example',
        clientId: 'corp-client',
        clientSecret: 'corp-secret',
      },
      {
        name: 'google',
        issuer: 'https://accounts.google.com',
        clientId: 'google-client',
        clientSecret: 'google-secret',
      },
    ]);
  });

  it('has no OIDC provider when no OIDC_<NAME>_ISSUER is set', () => {
    const config = appConfig({ OIDC_GOOGLE_CLIENT_ID: 'orphan', DEV_SECRETS_FILE: devSecretsFile });

    expect(config.oidc).toEqual([]);
  });

  it('reads an OIDC client secret from its X_FILE variable (loadAppConfig)', () => {
    const secretPath = path.join(dir, 'oidc-secret');
    writeFileSync(secretPath, 'secret-from-file\n');

    const config = loadAppConfig('api', {
      OIDC_GITHUB_ISSUER: 'https://token.actions.githubusercontent.com',
      OIDC_GITHUB_CLIENT_ID: 'gh-client',
      OIDC_GITHUB_CLIENT_SECRET_FILE: secretPath,
      DEV_SECRETS_FILE: devSecretsFile,
    });

    expect(config.oidc).toEqual([
      {
        name: 'github',
        issuer: 'https://token.actions.githubusercontent.com',
        clientId: 'gh-client',
        clientSecret: 'secret-from-file',
      },
    ]);
  });

  it('strips trailing slashes from the public URLs and splits CORS_ORIGINS', () => {
    const config = appConfig(
      production({
        PUBLIC_API_URL: 'https://api.example.com/',
        APP_WEB_URL: 'https://app.example.com//',
        CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
      }),
    );

    expect(config.http.publicApiUrl).toBe('https://api.example.com');
    expect(config.mail.appWebUrl).toBe('https://app.example.com');
    expect(config.http.corsOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
  });
});
