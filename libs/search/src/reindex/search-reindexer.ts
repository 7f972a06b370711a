import { DistributedLock, type LockHandle, Prisma, type PrismaService } from '@groundwork/platform';
import type { SearchLanguage } from '../config/search-config.js';

/** One progress report: which table, how many rows rewritten of how many. */
export interface ReindexProgress {
  table: 'tasks' | 'task_comments';
  done: number;
  total: number;
}

export type ReindexOutcome =
  { kind: 'done'; tasks: number; comments: number; language: SearchLanguage } | { kind: 'already-running' };

/** The Redis lock that lets one reindex run at a time across every replica. */
export const REINDEX_LOCK = 'search:reindex';
/** The lock's lifetime; extended after each batch, so a crashed run frees it within this. */
const LOCK_TTL_MS = 60_000;
const BATCH_SIZE = 2_000;

/**
 * Rebuilds the PostgreSQL search vectors: points the `groundwork_search` configuration's
 * stemmer at the configured language, then rewrites every task's and comment's vector in
 * batches of short transactions, in id order, reporting progress after each. Search keeps
 * answering throughout (no table is locked for longer than a batch); rows not rewritten yet
 * still match with the stemming they were written with. Writes during the run are vectorised
 * by the triggers with the new configuration. Runs under a distributed lock: a second run,
 * on any replica, finds it held and does nothing.
 */
export class SearchReindexer {
  constructor(
    private readonly prisma: PrismaService,
    private readonly lock: DistributedLock,
  ) {}

  async run(language: SearchLanguage, onProgress: (progress: ReindexProgress) => void): Promise<ReindexOutcome> {
    const outcome = await this.lock.withLock(REINDEX_LOCK, LOCK_TTL_MS, async (handle) => {
      await this.useLanguage(language);
      const tasks = await this.rewrite('tasks', handle, onProgress);
      const comments = await this.rewrite('task_comments', handle, onProgress);
      return { kind: 'done', tasks, comments, language } as const;
    });
    return outcome ?? { kind: 'already-running' };
  }

  /** The stemmer of `<language>` (after unaccent); `simple` means no stemming. */
  private async useLanguage(language: SearchLanguage): Promise<void> {
    // An identifier cannot be a bound parameter: the dictionary name is checked against the
    // catalogue first and then quoted by PostgreSQL itself (format %I) — never spliced from input.
    const dictionary = language === 'simple' ? 'simple' : `${language}_stem`;
    const [found] = await this.prisma.$queryRaw<{ statement: string }[]>`
      SELECT format('ALTER TEXT SEARCH CONFIGURATION groundwork_search
                       ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, hword, hword_part, word
                       WITH unaccent, %I', dictname) AS statement
        FROM pg_ts_dict WHERE dictname = ${dictionary}`;
    if (!found) throw new Error(`PostgreSQL has no text search dictionary ${dictionary}`);
    await this.prisma.$executeRawUnsafe(found.statement);
  }

  private async rewrite(
    table: ReindexProgress['table'],
    handle: LockHandle,
    onProgress: (progress: ReindexProgress) => void,
  ): Promise<number> {
    const [{ total } = { total: 0 }] =
      table === 'tasks'
        ? await this.prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM tasks`
        : await this.prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM task_comments`;
    let done = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    onProgress({ table, done, total });
    for (;;) {
      const rows = await this.prisma.$queryRaw<{ id: string }[]>(rewriteBatch(table, after));
      if (rows.length === 0) break;
      done += rows.length;
      after = rows.reduce((max, row) => (row.id > max ? row.id : max), after);
      onProgress({ table, done, total: Math.max(total, done) });
      if (!(await handle.extend(LOCK_TTL_MS))) throw new Error('lost the reindex lock; stopping');
    }
    return done;
  }
}

/** Rewrites the next batch's vectors (the same expressions as the triggers) and returns its ids. */
function rewriteBatch(table: ReindexProgress['table'], after: string): Prisma.Sql {
  if (table === 'tasks') {
    return Prisma.sql`
      UPDATE tasks t
         SET search_vector = groundwork_task_search_vector(t.title, t.labels, p.key || '-' || t.number, t.description)
        FROM projects p
       WHERE p.id = t.project_id
         AND t.id IN (SELECT id FROM tasks WHERE id > ${after}::uuid ORDER BY id LIMIT ${BATCH_SIZE})
      RETURNING t.id::text AS id`;
  }
  return Prisma.sql`
    UPDATE task_comments
       SET search_vector = to_tsvector('groundwork_search', groundwork_search_text(body))
     WHERE id IN (SELECT id FROM task_comments WHERE id > ${after}::uuid ORDER BY id LIMIT ${BATCH_SIZE})
    RETURNING id::text AS id`;
}
