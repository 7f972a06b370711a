// @ts-check
/**
 * The built api as `npm run start:api` runs it, plus one thing for `npm run bench:flags`: a
 * request carrying `X-Bench-Flag: 1` evaluates one feature flag (`attachments`, for the
 * request's workspace and user) through `FeatureFlags` after the guards and before the
 * handler — what a service gating its feature adds to a request. Requests without the header
 * take the same path minus the evaluation, so one process serves both sides of the comparison.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { FeatureFlags, FlagsModule } from '@groundwork/flags';
import { exitGracefullyOnSignals, loadAppConfigOrExit } from '@groundwork/platform';
import { createApiApp } from '../../dist/api/bootstrap.js';

/**
 * The evaluation as a service awaits it: a promise of the handler's observable (Nest awaits an
 * interceptor's promise itself), so the side with the header adds the evaluation and one
 * `then`, not an extra RxJS pipeline.
 * @param {FeatureFlags} flags @returns {import('@nestjs/common').NestInterceptor}
 */
function evaluatingInterceptor(flags) {
  return {
    intercept(context, next) {
      const request = context.switchToHttp().getRequest();
      if (request.headers['x-bench-flag'] !== '1') return next.handle();
      return flags.isEnabled('attachments').then((on) => {
        if (!on) throw new Error('the bench expects attachments on');
        return next.handle();
      });
    },
  };
}

class BenchFlagEvaluationModule {}
Module({
  imports: [FlagsModule],
  providers: [{ provide: APP_INTERCEPTOR, useFactory: evaluatingInterceptor, inject: [FeatureFlags] }],
})(BenchFlagEvaluationModule);

const config = loadAppConfigOrExit('api');
const app = await createApiApp(config, { imports: [BenchFlagEvaluationModule] });
exitGracefullyOnSignals(app);
await app.listen(config.http.port);
