import { Injectable, Logger } from '@nestjs/common';
import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { Counter } from 'prom-client';
import { MetricsService } from '@groundwork/platform';

/** An evaluation's result as the metric counts it: never a workspace or user id. */
export type FlagResult = 'on' | 'off' | 'default';

export function resultOf(details: EvaluationDetails<FlagValue>): FlagResult {
  if (details.errorCode !== undefined) return 'default';
  if (details.reason === 'DISABLED' || details.value === false) return 'off';
  return 'on';
}

/**
 * The OpenFeature hook on every evaluation of the app's client: counts it by flag and result
 * (`feature_flag_evaluations_total`; the flag keys are few and chosen by people, ids never
 * appear) and logs it at debug level — with the error at warn level, once per flag and error,
 * when an evaluation fell back to the code's default (an undeclared flag, a type mismatch).
 * `FeatureFlags` calls `record` itself for an evaluation it answers from what OpenFeature
 * resolved earlier, so the count covers every evaluation either way.
 */
@Injectable()
export class FlagEvaluationHook implements Hook {
  private readonly logger = new Logger('FeatureFlags');
  private readonly evaluations: Counter<'flag' | 'result'>;
  /** One counter child per flag and result: `inc` with a labels object hashes them every time. */
  private readonly counters = new Map<string, Counter.Internal>();
  private readonly reported = new Set<string>();

  constructor(metrics: MetricsService) {
    this.evaluations = new Counter({
      name: 'feature_flag_evaluations_total',
      help: 'Feature flag evaluations by flag and result (on, off, default: the code default after an error)',
      labelNames: ['flag', 'result'],
      registers: [metrics.registry],
    });
  }

  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    this.record(hookContext.flagKey, details);
  }

  /** Counts and logs one evaluation of `flagKey` that answered `details`. */
  record(flagKey: string, details: EvaluationDetails<FlagValue>): void {
    const result = resultOf(details);
    const series = `${flagKey}\u0000${result}`;
    let counter = this.counters.get(series);
    if (counter === undefined) {
      counter = this.evaluations.labels(flagKey, result);
      this.counters.set(series, counter);
    }
    counter.inc();
    if (details.errorCode !== undefined) {
      const report = `${flagKey}:${details.errorCode}`;
      if (!this.reported.has(report)) {
        this.reported.add(report);
        this.logger.warn(
          { flag: flagKey, errorCode: details.errorCode, error: details.errorMessage },
          'feature flag answered the code default',
        );
      }
    }
    this.logger.debug(
      { flag: flagKey, result, reason: details.reason, variant: details.variant },
      'feature flag evaluated',
    );
  }
}
