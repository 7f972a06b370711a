// @ts-check
/**
 * Bulk seed for `npm run bench:search`: one INSERT … SELECT generate_series for the tasks and
 * one for the comments of a project, in SQL (the triggers of the search migration compute
 * the vectors as they would for the api's writes). Words are drawn from a fixed vocabulary
 * with a skewed distribution (the first words are common, the last ones rare), so the five
 * query shapes have realistic selectivities: `zeppelin` is planted in 1 task in 2,000 and
 * the phrase "release notes" in 1 % (its two words, both common, also fall side by side by
 * chance: it is in about 2.3 % of the tasks and 0.8 % of the comments in all).
 */
export const VOCABULARY = [
  'task',
  'update',
  'fix',
  'deploy',
  'pipeline',
  'review',
  'release',
  'notes',
  'database',
  'migration',
  'customer',
  'report',
  'billing',
  'invoice',
  'search',
  'index',
  'performance',
  'latency',
  'cache',
  'queue',
  'worker',
  'email',
  'template',
  'onboarding',
  'dashboard',
  'metrics',
  'alert',
  'incident',
  'backup',
  'restore',
  'security',
  'audit',
  'permission',
  'role',
  'workspace',
  'project',
  'board',
  'sprint',
  'roadmap',
  'design',
  'mobile',
  'android',
  'ios',
  'browser',
  'upload',
  'download',
  'export',
  'import',
  'webhook',
  'integration',
  'payment',
  'refund',
  'subscription',
  'trial',
  'pricing',
  'invoice',
  'tax',
  'compliance',
  'gdpr',
  'retention',
];

/** A skewed pick of the vocabulary from hashint4(seed): index = ⌊len · u²⌋, u uniform in [0,1). */
const word = (/** @type {string} */ seed) =>
  `(${sqlArray(VOCABULARY)})[1 + floor(${VOCABULARY.length} * power((abs(hashint4(${seed})) % 10000) / 10000.0, 2))::int]`;

function sqlArray(/** @type {string[]} */ words) {
  return `ARRAY[${words.map((w) => `'${w}'`).join(',')}]`;
}

/** Words joined by spaces, seeds derived from the row number `n` and a salt. */
const words = (/** @type {number} */ count, /** @type {number} */ salt) =>
  Array.from({ length: count }, (_, i) => word(`n * ${31 + i} + ${salt}`)).join(` || ' ' || `);

/** $1 workspace, $2 project, $3 creator, $4 how many. */
export const SEED_TASKS = `
  INSERT INTO tasks (id, workspace_id, project_id, number, title, description, labels, created_by_id,
                     created_at, updated_at)
  SELECT gen_random_uuid(), $1, $2, n,
         initcap(${words(4, 1)}),
         ${words(18, 2)}
           || CASE WHEN n % 100 = 0 THEN ' see the release notes' ELSE '' END
           || CASE WHEN n % 2000 = 7 THEN ' the zeppelin landed' ELSE '' END,
         ARRAY[${word('n * 13 + 5')}]::varchar(50)[], $3,
         now() - n * interval '1 minute', now() - n * interval '1 minute'
  FROM generate_series(1, $4::int) AS n`;

/** One comment per task of the project ($1 workspace, $2 project, $3 author). */
export const SEED_COMMENTS = `
  INSERT INTO task_comments (id, workspace_id, task_id, author_id, body, created_at, updated_at)
  SELECT gen_random_uuid(), $1, t.id, $3, ${words(12, 3).replaceAll('n *', 't.number *')},
         t.created_at, t.updated_at
  FROM tasks t WHERE t.project_id = $2`;
