import { NameRegistry } from '../registry/name-registry.js';
import { Environment, type NodeEnv } from './environment.js';

/**
 * The mechanism of the configuration catalogue. The platform's schema (`Environment`) holds the
 * variables of the mechanisms every context uses; each bounded context declares its own
 * variables as a slice with `defineConfig` (registered when its library loads) and adds the
 * slice's typed section to `AppConfig` by declaration merging, so a new context never edits
 * the platform. Every registered slice is validated at boot with the platform's schema, and
 * every problem of either is reported in the one `ConfigValidationError`.
 */

export interface ConfigSliceContext {
  env: NodeEnv;
  isProduction: boolean;
}

export interface ConfigSlice<K extends string = string, E extends object = object, S = unknown> {
  /** The section of `AppConfig` the slice fills: `config.<key>`. */
  key: K;
  /**
   * The slice's variables: a class-validator class (with `@Transform(envInt)` / `envBool` for
   * numbers and booleans) whose property initialisers are the development defaults.
   */
  environment: new () => E;
  /** The typed section, from the validated variables. */
  build: (env: E, context: ConfigSliceContext) => S;
}

/** Two slices claiming one section or one variable: a wiring bug, reported when the second loads. */
export class DuplicateConfigError extends Error {
  constructor(what: string) {
    super(`configuration ${what} is defined twice`);
    this.name = 'DuplicateConfigError';
  }
}

/** In registration order: the order the contexts' libraries load in. */
const registered = new NameRegistry<ConfigSlice>((key) => new DuplicateConfigError(`section ${key}`));

/** The variables of a schema class (its properties, initialised or optional). */
export function variablesOf(environment: new () => object): string[] {
  return Object.keys(new environment());
}

/** Registers a context's configuration slice and returns it as given. */
export function defineConfig<const K extends string, E extends object, S>(
  slice: ConfigSlice<K, E, S>,
): ConfigSlice<K, E, S> {
  const entry = slice as unknown as ConfigSlice;
  if (registered.get(slice.key) !== entry) {
    const others = registered.values().filter((other) => other.key !== slice.key);
    const taken = new Set([Environment, ...others.map((other) => other.environment)].flatMap(variablesOf));
    const twice = variablesOf(slice.environment).find((name) => taken.has(name));
    if (twice !== undefined) throw new DuplicateConfigError(`variable ${twice}`);
  }
  registered.add(slice.key, entry);
  return slice;
}

/** Every registered slice, in registration order. */
export function configSlices(): ConfigSlice[] {
  return registered.values();
}
