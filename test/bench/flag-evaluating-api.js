// @ts-check
/**
 * The built api as `npm run start:api` runs it (`dist/api/main.js`: tracing first when
 * configured, then the app), plus one thing for `npm run bench:flags`: a request carrying
 * `X-Bench-Flag: <n>` evaluates one feature flag (`attachments`, for the request's workspace and
 * user) n times through `FeatureFlags` after the guards and before the handler — what a service
 * gating its feature adds to a request. Requests without the header take the same path minus
 * the evaluations, so one process serves every side of the comparison.
 */
import { startTracing } from '@groundwork/platform/tracing';

await startTracing('api');
await import('reflect-metadata');
const { Module } = await import('@nestjs/common');
const { APP_INTERCEPTOR } = await import('@nestjs/core');
const { FeatureFlags, FlagsModule } = await import('@groundwork/flags');
const { exitGracefullyOnSignals, loadAppConfigOrExit } = await import('@groundwork/platform');
const { createApiApp } = await import('../../dist/api/bootstrap.js');

/**
 * The evaluations as a service awaits them: a promise of the handler's observable (Nest awaits
 * an interceptor's promise itself), so a side with the header adds the evaluations and one
 * async function, not an extra RxJS pipeline.
 * @param {InstanceType<typeof FeatureFlags>} flags @returns {import('@nestjs/common').NestInterceptor}
 */
function evaluatingInterceptor(flags) {
  /** @param {number} times */
  const evaluate = async (times) => {
    for (let i = 0; i < times; i += 1) {
      if (!(await flags.isEnabled('attachments'))) throw new Error('the bench expects attachments on');
    }
  };
  return {
    intercept(context, next) {
      const header = context.switchToHttp().getRequest().headers['x-bench-flag'];
      if (header === undefined) return next.handle();
      return evaluate(Number(header)).then(() => next.handle());
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
