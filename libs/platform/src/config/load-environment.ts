import { createPrivateKey } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigValidationError } from './config.errors.js';
import { type ConfigSlice, configSlices, variablesOf } from './config-slices.js';
import { ensureDevSecrets } from './dev-secrets.js';
import { readFileVariable } from './env-sources.js';
import { Environment } from './environment.js';

export type RawEnvironment = Record<string, string | undefined>;

/** Set in production or the boot stops: everything else has a safe production default. */
const REQUIRED_IN_PRODUCTION = [
  'DATABASE_URL',
  'REDIS_URL',
  'SMTP_URL',
  'APP_WEB_URL',
  'PUBLIC_API_URL',
  'JWT_SIGNING_KEYS',
  'ENCRYPTION_KEY',
] as const;

/** Variables of the operator contract: only these may come from `X_FILE` (others are not ours). */
function isContractVariable(name: string): boolean {
  return (
    [Environment, ...configSlices().map((slice) => slice.environment)].some((schema) => name in new schema()) ||
    /^OIDC_[A-Z0-9]+_(ISSUER|CLIENT_ID|CLIENT_SECRET)$/.test(name)
  );
}

/** Every `X_FILE` of a contract variable replaced by the file's contents (see readFileVariable). */
export function resolveFileVariables(raw: RawEnvironment, problems: string[]): RawEnvironment {
  const resolved: RawEnvironment = { ...raw };
  for (const key of Object.keys(raw)) {
    if (!key.endsWith('_FILE') || raw[key] === undefined || key === 'DEV_SECRETS_FILE') continue;
    const name = key.slice(0, -'_FILE'.length);
    if (!isContractVariable(name)) continue;
    const variable = readFileVariable(name, raw);
    switch (variable.kind) {
      case 'value':
        resolved[name] = variable.value;
        break;
      case 'conflict':
        problems.push(`${name}: set both ${name} and ${key}; set only one`);
        break;
      case 'unreadable':
        problems.push(`${key}: cannot read ${variable.path} (${variable.code})`);
        break;
      case 'absent':
        break;
      default:
        variable satisfies never;
    }
  }
  return resolved;
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((message) => `${e.property}: ${message}`));
}

/** Splits concatenated PEM blocks; every one must be an EC P-256 private key (ES256). */
export function parseSigningKeys(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM private key found');
  for (const block of blocks) {
    const key = createPrivateKey(block);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('every key must be an EC P-256 private key (ES256)');
    }
  }
  return blocks;
}

/** Each `OIDC_<NAME>_ISSUER` needs an https (or, outside production, http) URL, a client id and a secret. */
function checkOidcProviders(raw: RawEnvironment, production: boolean, problems: string[]): void {
  for (const key of Object.keys(raw)) {
    const name = /^OIDC_([A-Z0-9]+)_ISSUER$/.exec(key)?.[1];
    if (!name) continue;
    let issuer: URL | undefined;
    try {
      issuer = new URL(raw[key] ?? '');
    } catch {
      problems.push(`${key}: must be the issuer URL`);
    }
    if (issuer && issuer.protocol !== 'https:' && (production || issuer.protocol !== 'http:')) {
      problems.push(`${key}: must be an https URL`);
    }
    for (const part of ['CLIENT_ID', 'CLIENT_SECRET']) {
      if (!raw[`OIDC_${name}_${part}`]) problems.push(`OIDC_${name}_${part}: required with ${key}`);
    }
  }
}

function checkSecrets(env: Environment, problems: string[]): void {
  if (env.JWT_SIGNING_KEYS !== undefined) {
    try {
      parseSigningKeys(env.JWT_SIGNING_KEYS);
    } catch (error) {
      problems.push(`JWT_SIGNING_KEYS: ${(error as Error).message}`);
    }
  }
  if (env.ENCRYPTION_KEY !== undefined && Buffer.from(env.ENCRYPTION_KEY, 'base64').length !== 32) {
    problems.push('ENCRYPTION_KEY: must be the base64 encoding of exactly 32 bytes');
  }
}

/** The validated variables of a schema class; empty strings mean "unset" (`FOO=` in a ConfigMap falls back to the default). */
function validateSchema<E extends object>(
  schema: new () => E,
  resolved: RawEnvironment,
  problems: string[],
): { env: E; present: RawEnvironment } {
  const known = new Set(variablesOf(schema));
  const present = Object.fromEntries(
    Object.entries(resolved).filter(([k, v]) => known.has(k) && v !== undefined && v !== ''),
  );
  const env = plainToInstance(schema, present);
  problems.push(...flatten(validateSync(env, { forbidUnknownValues: false, stopAtFirstError: true })));
  return { env, present };
}

/** The platform's variables and those of every registered configuration slice, by slice key. */
export interface ValidatedEnvironment {
  env: Environment;
  slices: Map<string, { slice: ConfigSlice; env: object }>;
}

/**
 * Reads, completes and validates the whole environment: the platform's schema and every
 * registered slice's. Throws one ConfigValidationError that lists every problem, so an
 * operator fixes them all in one go.
 */
export function validateEnvironment(raw: RawEnvironment = process.env): ValidatedEnvironment {
  const problems: string[] = [];
  const resolved = resolveFileVariables(raw, problems);
  const { env, present } = validateSchema(Environment, resolved, problems);
  const slices = new Map(
    configSlices().map((slice) => [
      slice.key,
      { slice, env: validateSchema(slice.environment, resolved, problems).env },
    ]),
  );

  if (env.NODE_ENV === 'production') {
    for (const name of REQUIRED_IN_PRODUCTION) {
      if (present[name] === undefined) problems.push(`${name}: required when NODE_ENV=production`);
    }
  } else if (problems.length === 0 && (env.JWT_SIGNING_KEYS === undefined || env.ENCRYPTION_KEY === undefined)) {
    const secrets = ensureDevSecrets(env.DEV_SECRETS_FILE);
    env.JWT_SIGNING_KEYS ??= secrets.jwtSigningKeys;
    env.ENCRYPTION_KEY ??= secrets.encryptionKey;
  }
  checkSecrets(env, problems);
  checkOidcProviders(resolved, env.NODE_ENV === 'production', problems);

  if (problems.length > 0) throw new ConfigValidationError(problems);
  return { env, slices };
}

/** The platform's validated variables (every registered slice validated with them). */
export function loadEnvironment(raw: RawEnvironment = process.env): Environment {
  return validateEnvironment(raw).env;
}
