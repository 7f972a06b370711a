import { AppConfig, type ServiceName } from './app-config.js';
import { ConfigValidationError } from './config.errors.js';
import { loadLocalEnvFile } from './env-sources.js';
import { loadEnvironment, resolveFileVariables, type RawEnvironment } from './load-environment.js';

export function loadAppConfig(service: ServiceName, raw: RawEnvironment = process.env): AppConfig {
  return new AppConfig(service, loadEnvironment(raw), resolveFileVariables(raw, []));
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
