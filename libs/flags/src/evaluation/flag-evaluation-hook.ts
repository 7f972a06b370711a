import { Injectable, Logger } from '@nestjs/common';
import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { Counter } from 'prom-client';
import { AppConfig, MetricsService } from '@groundwork/platform';

/** An evaluation's result as the metric counts it: never a workspace or user id. */
export type FlagResult = 'on' | 'off' | 'default';

export function resultOf(details: EvaluationDetails<FlagValue>): FlagResult {
  if (details.errorCode !== undefined) return 'default';
  if (details.reason === 'DISABLED' || details.value === false) return 'off';
  return 'on';
}

/** Evaluations of one flag not yet added to the counter, by result. */
type Uncounted = Record<FlagResult, number>;

/**
 * The OpenFeature hook on every evaluation of the app's client: counts it by flag and result
 * (`feature_flag_evaluations_total`; the flag keys are few and chosen by people, ids never
 * appear) and logs it at debug level — with the error at warn level, once per flag and error,
 * when an evaluation fell back to the code's default (an undeclared flag, a type mismatch).
 * `FeatureFlags` calls `record` itself for an evaluation it answers from what OpenFeature
 * resolved earlier, so the count covers every evaluation either way.
 *
 * Evaluations sit on the request path: `record` adds one to a plain number and each scrape
 * adds those to the counter (prom-client hashes the labels on every `inc`), and the debug line
 * is built only when the log level lets it through.
 */
@Injectable()
export class FlagEvaluationHook implements Hook {
  private readonly logger = new Logger('FeatureFlags');
  private readonly logsEvaluations: boolean;
  private readonly uncounted = new Map<string, Uncounted>();
  private readonly reported = new Set<string>();

  constructor(metrics: MetricsService, config: AppConfig) {
    this.logsEvaluations = config.log.level === 'debug' || config.log.level === 'trace';
    const uncounted = this.uncounted;
    new Counter({
      name: 'feature_flag_evaluations_total',
      help: 'Feature flag evaluations by flag and result (on, off, default: the code default after an error)',
      labelNames: ['flag', 'result'],
      registers: [metrics.registry],
      collect() {
        for (const [flag, counts] of uncounted) {
          for (const result of ['on', 'off', 'default'] as const) {
            if (counts[result] === 0) continue;
            this.inc({ flag, result }, counts[result]);
            counts[result] = 0;
          }
        }
      },
    });
  }

  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    this.record(hookContext.flagKey, details);
  }

  /** Counts and logs one evaluation of `flagKey` that answered `details`. */
  record(flagKey: string, details: EvaluationDetails<FlagValue>): void {
    const result = resultOf(details);
    let counts = this.uncounted.get(flagKey);
    if (counts === undefined) {
      counts = { on: 0, off: 0, default: 0 };
      this.uncounted.set(flagKey, counts);
    }
    counts[result] += 1;
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
    if (this.logsEvaluations) {
      this.logger.debug(
        { flag: flagKey, result, reason: details.reason, variant: details.variant },
        'feature flag evaluated',
      );
    }
  }
}
