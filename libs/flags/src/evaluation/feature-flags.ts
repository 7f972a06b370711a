import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  type Client,
  type EvaluationContext,
  type EvaluationDetails,
  type FlagValue,
  NOOP_PROVIDER,
  OpenFeature,
} from '@openfeature/server-sdk';
import { newId, RequestContext } from '@groundwork/platform';
import { BUILT_IN_FLAGS, type BuiltInFlagKey } from '../definitions/built-in-flags.js';
import { FlagCatalogue } from '../store/flag-catalogue.js';
import { FeatureDisabledError } from './feature-disabled.error.js';
import { FlagEvaluationHook } from './flag-evaluation-hook.js';
import { GroundworkFlagProvider, WORKSPACE_ATTRIBUTE } from './groundwork-flag-provider.js';

/**
 * Whom a flag is evaluated for. Every field is optional: what is not given comes from the
 * current request (the workspace and role the access guard verified, the signed-in user).
 */
export interface FlagContext {
  workspaceId?: string;
  userId?: string;
  /** The caller's role in the workspace. */
  role?: string;
}

/** What a client sees of a flag for one workspace: on/off, a variant flag's value, or null when off. */
export type FlagValueForClient = boolean | string | null;

/** At most this many remembered evaluations; past it they are all forgotten at once. */
const REMEMBERED_EVALUATIONS_LIMIT = 10_000;

/** The evaluations OpenFeature resolved for one value type, by flag, default value and whom. */
type Remembered<T extends FlagValue> = Map<string, EvaluationDetails<T>>;

/**
 * The one way code consults a feature flag — in services, never in controllers:
 *
 *     await this.flags.assertEnabled('attachments', { workspaceId });   // throws FeatureDisabledError (403)
 *     if (await this.flags.isEnabled('search', { workspaceId })) { ... }
 *
 * Evaluation goes through the OpenFeature server SDK (its own client, hooks counting and
 * logging every evaluation) with the project's provider over the in-memory catalogue: no I/O.
 * Each app instance registers its provider under its own OpenFeature domain, so several
 * instances in one process (tests) never share one.
 *
 * One pass through the SDK costs tens of microseconds of CPU (its hook chain is a series of
 * promises and object copies), far more than the provider's lookup; `npm run bench:flags`
 * measures it. So an evaluation OpenFeature resolved without error is remembered for the same
 * flag, default value, workspace, user and role until the catalogue next loads — the provider
 * reads nothing else, and the app sets no global OpenFeature context or hooks — and the next
 * identical evaluation answers it again, counted and logged by the same hook (`record`).
 */
@Injectable()
export class FeatureFlags implements OnApplicationShutdown {
  private readonly domain = `groundwork-${newId()}`;
  private readonly client: Client;
  private readonly booleans: Remembered<boolean> = new Map();
  private readonly strings: Remembered<string> = new Map();
  private rememberedGeneration = -1;

  constructor(
    private readonly catalogue: FlagCatalogue,
    private readonly hook: FlagEvaluationHook,
  ) {
    OpenFeature.setProvider(this.domain, new GroundworkFlagProvider(catalogue));
    this.client = OpenFeature.getClient(this.domain);
    this.client.addHooks(hook);
  }

  onApplicationShutdown(): void {
    // Releases the provider (and the catalogue it holds): the global API keeps every domain.
    OpenFeature.setProvider(this.domain, NOOP_PROVIDER);
    this.forget();
  }

  /** Whether a built-in flag is on; its built-in default when evaluation fails. */
  isEnabled(flag: BuiltInFlagKey, context?: FlagContext): Promise<boolean> {
    return valueOf(this.booleanDetails(flag, BUILT_IN_FLAGS[flag].enabled, context));
  }

  /** Throws `FeatureDisabledError` (403 problem `feature-disabled`) unless the flag is on. */
  async assertEnabled(flag: BuiltInFlagKey, context?: FlagContext): Promise<void> {
    if (!(await this.isEnabled(flag, context))) throw new FeatureDisabledError(flag);
  }

  /** Any flag as a boolean (on/off); `defaultValue` when no such flag is declared. */
  booleanValue(key: string, defaultValue: boolean, context?: FlagContext): Promise<boolean> {
    return valueOf(this.booleanDetails(key, defaultValue, context));
  }

  /**
   * A variant flag's value (its `defaultVariant`'s) when on; `defaultValue` when it is off,
   * undeclared, or not a variant flag.
   */
  stringValue(key: string, defaultValue: string, context?: FlagContext): Promise<string> {
    return valueOf(this.stringDetails(key, defaultValue, context));
  }

  /** Every flag as evaluated for the workspace: booleans, and a variant flag's value or null when off. */
  async evaluateAll(context: FlagContext & { workspaceId: string }): Promise<Record<string, FlagValueForClient>> {
    const values: Record<string, FlagValueForClient> = {};
    for (const flag of this.catalogue.all()) {
      if (flag.variants === null) {
        values[flag.key] = (await this.booleanDetails(flag.key, false, context)).value;
      } else {
        const details = await this.stringDetails(flag.key, '', context);
        values[flag.key] = details.errorCode !== undefined || details.reason === 'DISABLED' ? null : details.value;
      }
    }
    return values;
  }

  private booleanDetails(key: string, defaultValue: boolean, context?: FlagContext) {
    return this.evaluate(this.booleans, key, defaultValue, context, (evaluation) =>
      this.client.getBooleanDetails(key, defaultValue, evaluation),
    );
  }

  private stringDetails(key: string, defaultValue: string, context?: FlagContext) {
    return this.evaluate(this.strings, key, defaultValue, context, (evaluation) =>
      this.client.getStringDetails(key, defaultValue, evaluation),
    );
  }

  /**
   * What OpenFeature resolved for this very evaluation since the catalogue last loaded, at
   * once (no promise in between: this is the request path's usual case), or a resolution now.
   */
  private evaluate<T extends boolean | string>(
    remembered: Remembered<T>,
    key: string,
    defaultValue: T,
    context: FlagContext | undefined,
    resolve: (evaluation: EvaluationContext) => Promise<EvaluationDetails<T>>,
  ): EvaluationDetails<T> | Promise<EvaluationDetails<T>> {
    const generation = this.catalogue.generation;
    if (generation !== this.rememberedGeneration) {
      this.forget();
      this.rememberedGeneration = generation;
    }
    const { workspaceId, userId, role } = this.whom(context);
    const memo = `${key}\u0000${String(defaultValue)}\u0000${workspaceId ?? ''}\u0000${userId ?? ''}\u0000${role ?? ''}`;
    const known = remembered.get(memo);
    if (known !== undefined) {
      this.hook.record(key, known);
      return known;
    }
    const evaluation: EvaluationContext = {
      ...(workspaceId === undefined ? {} : { targetingKey: workspaceId, [WORKSPACE_ATTRIBUTE]: workspaceId }),
      ...(userId === undefined ? {} : { userId }),
      ...(role === undefined ? {} : { role }),
    };
    return resolve(evaluation).then((details) => {
      // An error (undeclared flag, wrong type) goes through OpenFeature every time, and so does
      // an evaluation the catalogue changed under.
      if (details.errorCode === undefined && this.catalogue.generation === generation) {
        if (remembered.size >= REMEMBERED_EVALUATIONS_LIMIT) remembered.clear();
        remembered.set(memo, details);
      }
      return details;
    });
  }

  private forget(): void {
    this.booleans.clear();
    this.strings.clear();
  }

  /** Whom to evaluate for: what is not given comes from the current request. */
  private whom(context: FlagContext = {}): FlagContext {
    const request = RequestContext.current();
    const workspaceId = context.workspaceId ?? request?.workspaceId;
    const userId = context.userId ?? request?.userId;
    const role = context.role ?? (workspaceId === request?.workspaceId ? request?.workspaceRole : undefined);
    return { workspaceId, userId, role };
  }
}

/** An evaluation's value, as a promise whether it was remembered or is being resolved. */
function valueOf<T extends FlagValue>(details: EvaluationDetails<T> | Promise<EvaluationDetails<T>>): Promise<T> {
  return details instanceof Promise ? details.then(({ value }) => value) : Promise.resolve(details.value);
}
