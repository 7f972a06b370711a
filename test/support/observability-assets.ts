import { readFileSync } from 'node:fs';
import path from 'node:path';

export const OBSERVABILITY_DIR = path.resolve('deploy/observability');

/** The PromQL expressions of the Grafana dashboard and of the alert rules. */
export function observabilityExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(path.join(OBSERVABILITY_DIR, 'grafana-dashboard.json'), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  const rules = readFileSync(path.join(OBSERVABILITY_DIR, 'alerts.yml'), 'utf8');
  const ruleExpressions = [...rules.matchAll(/expr: (\|\n(?: {10}.*\n)+|.*\n)/g)].map((match) => match[1] ?? '');
  return [...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)), ...ruleExpressions];
}

const FUNCTIONS_AND_KEYWORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'rate',
  'increase',
  'changes',
  'histogram_quantile',
  'by',
  'on',
  'and',
  'or',
  'unless',
  'without',
  'le',
  'humanizeDuration',
  'humanizePercentage',
]);

/**
 * The metric families the expressions name (a histogram's `_bucket`/`_count`/`_sum` series
 * reduced to its family), read as PromQL identifiers outside label matchers.
 */
export function metricFamilies(expressions: string[]): string[] {
  const families = new Set<string>();
  for (const expression of expressions) {
    const withoutMatchers = expression.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '');
    for (const [identifier] of withoutMatchers.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
      if (FUNCTIONS_AND_KEYWORDS.has(identifier) || !identifier.includes('_')) continue;
      families.add(identifier.replace(/_(bucket|count|sum)$/, ''));
    }
  }
  return [...families].sort();
}
