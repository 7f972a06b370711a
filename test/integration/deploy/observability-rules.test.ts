import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { metricFamilies, OBSERVABILITY_DIR, observabilityExpressions } from '../../support/observability-assets.js';

function promtool(...args: string[]): string {
  return execFileSync('promtool', args, { cwd: OBSERVABILITY_DIR, encoding: 'utf8', stdio: 'pipe' });
}

/**
 * The alert rules as Prometheus reads them (`promtool`, from Debian's prometheus package:
 * .ci/run installs it): valid, and firing exactly when their unit tests say.
 */
describe('deploy/observability: Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: 7 rules found/);
  });

  it('pass their unit tests (promtool test rules): error ratio, p99, outbox lag, failed jobs, disabled webhooks, pool saturation, readiness flapping', () => {
    expect(promtool('test', 'rules', path.join(OBSERVABILITY_DIR, 'alerts.test.yml'))).toMatch(/SUCCESS/);
  });

  it('name the metric families the dashboard and the rules are built on', () => {
    const families = metricFamilies(observabilityExpressions());

    expect(families).toEqual(
      expect.arrayContaining([
        'http_request_duration_seconds',
        'groundwork_db_pool_connections',
        'groundwork_outbox_lag_seconds',
        'groundwork_queue_jobs',
        'groundwork_webhook_deliveries_total',
        'groundwork_realtime_connections',
        'groundwork_ready',
      ]),
    );
  });
});
