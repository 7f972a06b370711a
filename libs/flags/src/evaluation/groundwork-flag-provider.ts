import {
  type EvaluationContext,
  FlagNotFoundError,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  StandardResolutionReasons,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import type { FlagDefinition } from '../definitions/flag-definition.js';
import type { FlagCatalogue } from '../store/flag-catalogue.js';
import { evaluateFlag } from './evaluate-flag.js';

/** What the provider reads: the catalogue (or any other in-memory set of definitions). */
export type FlagLookup = Pick<FlagCatalogue, 'get' | 'source'>;

/** The evaluation context attribute that names the workspace (also its targeting key). */
export const WORKSPACE_ATTRIBUTE = 'workspaceId';

function workspaceOf(context: EvaluationContext): string | undefined {
  const workspaceId = context[WORKSPACE_ATTRIBUTE] ?? context.targetingKey;
  return typeof workspaceId === 'string' && workspaceId !== '' ? workspaceId : undefined;
}

/**
 * The project's own OpenFeature provider: resolves flags from the in-memory catalogue (no
 * I/O) in the evaluation order of `evaluateFlag`. A boolean evaluation answers whether the flag
 * is on, for any flag; a string evaluation answers a variant flag's `defaultVariant` value when
 * it is on, and the caller's default with reason DISABLED when it is off. A flag nobody
 * declared answers the caller's default (FLAG_NOT_FOUND); a boolean flag read as a string,
 * or any flag as a number or object, answers it too (TYPE_MISMATCH).
 */
export class GroundworkFlagProvider implements Provider {
  readonly metadata = { name: 'groundwork' } as const;
  readonly runsOn = 'server' as const;

  constructor(private readonly catalogue: FlagLookup) {}

  async resolveBooleanEvaluation(
    flagKey: string,
    _defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    const flag = this.flag(flagKey);
    const outcome = evaluateFlag(flag, workspaceOf(context));
    return {
      value: outcome.on,
      reason: outcome.reason,
      variant: outcome.on ? 'on' : 'off',
      flagMetadata: { source: this.catalogue.source },
    };
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    const flag = this.flag(flagKey);
    const variant = flag.defaultVariant;
    const value = variant === null ? undefined : flag.variants?.[variant];
    if (variant === null || value === undefined) {
      throw new TypeMismatchError(`flag ${flagKey} has no variants`);
    }
    const outcome = evaluateFlag(flag, workspaceOf(context));
    if (!outcome.on) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.DISABLED,
        flagMetadata: { source: this.catalogue.source },
      };
    }
    return { value, variant, reason: outcome.reason, flagMetadata: { source: this.catalogue.source } };
  }

  async resolveNumberEvaluation(flagKey: string): Promise<ResolutionDetails<number>> {
    this.flag(flagKey);
    throw new TypeMismatchError(`flag ${flagKey} is not a number flag`);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string): Promise<ResolutionDetails<T>> {
    this.flag(flagKey);
    throw new TypeMismatchError(`flag ${flagKey} is not an object flag`);
  }

  private flag(key: string): FlagDefinition {
    const flag = this.catalogue.get(key);
    if (!flag) throw new FlagNotFoundError(`no flag ${key}`);
    return flag;
  }
}
