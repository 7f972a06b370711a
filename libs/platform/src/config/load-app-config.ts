import { AppConfig, type ServiceName } from './app-config.js';
import { ConfigValidationError } from './config.errors.js';
import { loadLocalEnvFile } from './env-sources.js';
import { type RawEnvironment, resolveFileVariables, validateEnvironment } from './load-environment.js';

/** The typed configuration: the platform's sections and one per registered slice (`defineConfig`). */
export function loadAppConfig(service: ServiceName, raw: RawEnvironment = process.env): AppConfig {
  const { env, slices } = validateEnvironment(raw);
  const context = { env: env.NODE_ENV, isProduction: env.NODE_ENV === 'production' };
  const sections = Object.fromEntries(
    [...slices].map(([key, { slice, env: sliceEnv }]) => [key, slice.build(sliceEnv, context)]),
  );
  return new AppConfig(service, env, resolveFileVariables(raw, []), sections);
}

/**
 * The first thing each app's main does: a `.env` file (development convenience, never
 * overriding the real environment), then validation. Bad configuration ends the process
 * with exit code 1 and one readable list, not a stack trace.
 */
export function loadAppConfigOrExit(service: ServiceName): AppConfig {
  loadLocalEnvFile();
  try {
    return loadAppConfig(service);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
