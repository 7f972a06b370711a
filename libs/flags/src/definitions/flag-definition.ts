import { type BuiltInFlagKey, BUILT_IN_FLAGS, BUILT_IN_FLAG_KEYS } from './built-in-flags.js';

/** A flag's key: lower case, starting with a letter, 2–64 characters. */
export const FLAG_KEY_PATTERN = /^[a-z][a-z0-9._-]{1,63}$/;
export const MAX_FLAG_WORKSPACES = 1000;
export const MAX_FLAG_VARIANTS = 20;
export const MAX_VARIANT_NAME_LENGTH = 64;
export const MAX_VARIANT_VALUE_LENGTH = 1000;
export const MAX_FLAG_DESCRIPTION_LENGTH = 500;

/** What a platform administrator states about a flag (a `PUT` replaces all of it). */
export interface FlagInput {
  description?: string | null;
  enabled: boolean;
  /** 0–100; absent: no rollout limit. */
  rolloutPercent?: number | null;
  /** Workspaces that always get the flag on. */
  workspaceIds?: readonly string[] | null;
  /** `{name: value}`: makes a variant flag, which answers its `defaultVariant`'s value when on. */
  variants?: Readonly<Record<string, string>> | null;
  defaultVariant?: string | null;
}

/** A flag as evaluation and the admin routes see it: stored, or built in and never changed. */
export interface FlagDefinition {
  key: string;
  description: string | null;
  enabled: boolean;
  rolloutPercent: number | null;
  workspaceIds: readonly string[];
  variants: Readonly<Record<string, string>> | null;
  defaultVariant: string | null;
  /** Null for a built-in flag nobody has changed. */
  updatedAt: Date | null;
  updatedBy: string | null;
  /** Declared in code: `DELETE` returns it to its default instead of removing it. */
  builtIn: boolean;
}

export function builtInDefinition(key: BuiltInFlagKey): FlagDefinition {
  const flag = BUILT_IN_FLAGS[key];
  return {
    key,
    description: flag.description,
    enabled: flag.enabled,
    rolloutPercent: null,
    workspaceIds: [],
    variants: null,
    defaultVariant: null,
    updatedAt: null,
    updatedBy: null,
    builtIn: true,
  };
}

export function builtInDefinitions(): Map<string, FlagDefinition> {
  return new Map(BUILT_IN_FLAG_KEYS.map((key) => [key, builtInDefinition(key)]));
}
