import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Client, type EvaluationContext, NOOP_PROVIDER, OpenFeature } from '@openfeature/server-sdk';
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
 */
@Injectable()
export class FeatureFlags implements OnApplicationShutdown {
  private readonly domain = `groundwork-${newId()}`;
  private readonly client: Client;

  constructor(
    private readonly catalogue: FlagCatalogue,
    hook: FlagEvaluationHook,
  ) {
    OpenFeature.setProvider(this.domain, new GroundworkFlagProvider(catalogue));
    this.client = OpenFeature.getClient(this.domain);
    this.client.addHooks(hook);
  }

  onApplicationShutdown(): void {
    // Releases the provider (and the catalogue it holds): the global API keeps every domain.
    OpenFeature.setProvider(this.domain, NOOP_PROVIDER);
  }

  /** Whether a built-in flag is on; its built-in default when evaluation fails. */
  isEnabled(flag: BuiltInFlagKey, context?: FlagContext): Promise<boolean> {
    return this.client.getBooleanValue(flag, BUILT_IN_FLAGS[flag].enabled, this.evaluationContext(context));
  }

  /** Throws `FeatureDisabledError` (403 problem `feature-disabled`) unless the flag is on. */
  async assertEnabled(flag: BuiltInFlagKey, context?: FlagContext): Promise<void> {
    if (!(await this.isEnabled(flag, context))) throw new FeatureDisabledError(flag);
  }

  /** Any flag as a boolean (on/off); `defaultValue` when no such flag is declared. */
  booleanValue(key: string, defaultValue: boolean, context?: FlagContext): Promise<boolean> {
    return this.client.getBooleanValue(key, defaultValue, this.evaluationContext(context));
  }

  /**
   * A variant flag's value (its `defaultVariant`'s) when on; `defaultValue` when it is off,
   * undeclared, or not a variant flag.
   */
  stringValue(key: string, defaultValue: string, context?: FlagContext): Promise<string> {
    return this.client.getStringValue(key, defaultValue, this.evaluationContext(context));
  }

  /** Every flag as evaluated for the workspace: booleans, and a variant flag's value or null when off. */
  async evaluateAll(context: FlagContext & { workspaceId: string }): Promise<Record<string, FlagValueForClient>> {
    const evaluation = this.evaluationContext(context);
    const values: Record<string, FlagValueForClient> = {};
    for (const flag of this.catalogue.all()) {
      if (flag.variants === null) {
        values[flag.key] = await this.client.getBooleanValue(flag.key, false, evaluation);
      } else {
        const details = await this.client.getStringDetails(flag.key, '', evaluation);
        values[flag.key] = details.errorCode !== undefined || details.reason === 'DISABLED' ? null : details.value;
      }
    }
    return values;
  }

  /** The OpenFeature context: the workspace is the targeting key (rollouts bucket workspaces). */
  private evaluationContext(context: FlagContext = {}): EvaluationContext {
    const request = RequestContext.current();
    const workspaceId = context.workspaceId ?? request?.workspaceId;
    const userId = context.userId ?? request?.userId;
    const role = context.role ?? (workspaceId === request?.workspaceId ? request?.workspaceRole : undefined);
    return {
      ...(workspaceId === undefined ? {} : { targetingKey: workspaceId, [WORKSPACE_ATTRIBUTE]: workspaceId }),
      ...(userId === undefined ? {} : { userId }),
      ...(role === undefined ? {} : { role }),
    };
  }
}
