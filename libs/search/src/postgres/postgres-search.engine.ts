import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@groundwork/platform';
import { SearchEngine, type SearchHit, type SearchPosition, type SearchRequest } from '../ports/search-engine.js';
import type { SearchText } from '../query/search-text.js';
import { renderSnippet, SENTINEL, SENTINEL_RANGE } from '../query/snippet.js';

/** ts_headline's options, sentinels as highlight marks: a short text whole, a long one as excerpts around the matches. */
const MARKS = `StartSel=${SENTINEL.markStart}, StopSel=${SENTINEL.markEnd}`;
const WHOLE_TEXT = `${MARKS}, HighlightAll=TRUE`;
const EXCERPTS = `${MARKS}, MaxWords=30, MinWords=12, ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "`;
/** Texts up to this many characters come back whole. */
const WHOLE_TEXT_MAX_CHARACTERS = 240;
/** translate() arguments: markup characters → sentinels, sentinel characters of the text → removed. */
const MARKUP_FROM = `<>&${SENTINEL_RANGE}`;
const MARKUP_TO = `${SENTINEL.lt}${SENTINEL.gt}${SENTINEL.amp}`;

interface HitRow {
  type: 'task' | 'comment';
  id: string;
  task_id: string;
  project_id: string;
  title: string;
  headline: string;
  score: number;
  updated_at: Date;
}

/**
 * PostgreSQL full-text search over the vectors the search migration keeps on `tasks` and
 * `task_comments` (written by triggers in the writing transaction); when it finds nothing for
 * a single word, a trigram search of the task titles (a misspelling). Text reaches PostgreSQL
 * only as bound parameters: the tsquery is built by websearch_to_tsquery and ts_rewrite from
 * the user's text, never by splicing it into SQL or tsquery syntax.
 */
@Injectable()
export class PostgresSearchEngine extends SearchEngine {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async search(request: SearchRequest): Promise<SearchHit[]> {
    const tsquery = await this.tsquery(request.text);
    if (tsquery === null) return [];
    const rows = await this.prisma.cancellable((db) => db.$queryRaw<HitRow[]>(hitsQuery(request, tsquery)));
    const term = rows.length === 0 && request.types.includes('task') ? fuzzyTerm(request.text) : null;
    const found =
      term === null
        ? rows
        : await this.prisma.cancellable((db) => db.$queryRaw<HitRow[]>(similarTitlesQuery(request, term)));
    return found.map((row) => ({
      type: row.type,
      id: row.id,
      taskId: row.task_id,
      projectId: row.project_id,
      title: row.title,
      snippet: renderSnippet(row.headline),
      score: row.score,
      updatedAt: row.updated_at,
    }));
  }

  /**
   * The query's tsquery as text (PostgreSQL's own output, so it parses back exactly), with its
   * last word also matched as a prefix: ts_rewrite swaps that word's lexeme for the same lexeme
   * with `:*`. Null when nothing searchable remains (only stop words, punctuation or emoji).
   */
  async tsquery(text: SearchText): Promise<string | null> {
    const [row] = await this.prisma.$queryRaw<TsqueryRow[]>(tsqueryStatement(text));
    return row && row.nodes > 0 ? row.query : null;
  }
}

/** `query`: the tsquery as text; `nodes`: 0 when nothing searchable remains. */
export interface TsqueryRow {
  query: string;
  nodes: number;
}

/** The statement behind `PostgresSearchEngine.tsquery` (one row, TsqueryRow). */
export function tsqueryStatement(text: SearchText): Prisma.Sql {
  return Prisma.sql`
    SELECT (CASE WHEN numnode(last_word) = 1
                 THEN ts_rewrite(full_query, last_word, (last_word::text || ':*')::tsquery)
                 ELSE full_query END)::text AS query,
           numnode(full_query) AS nodes
      FROM (SELECT websearch_to_tsquery('groundwork_search', ${text.query}) AS full_query,
                   websearch_to_tsquery('groundwork_search', ${text.prefix ?? ''}) AS last_word) AS parsed`;
}

/**
 * A term is common in a kind (tasks, comments) when it matches at least COMMON_MATCHES of the
 * kind's PROBE_ROWS most recent items of the workspace: one in twenty.
 */
const PROBE_ROWS = 200;
const COMMON_MATCHES = 10;
/**
 * A common term's candidates: its most recent matches, at most CANDIDATES of them, among the
 * kind's WINDOW_ROWS most recent items. Ranking every match of a word found in most rows costs
 * in proportion to the workspace (and a prefix's GIN lookup reads every workspace's postings);
 * these bounds keep it to a few thousand rows read and CANDIDATES ranked (docs/search.md).
 */
const WINDOW_ROWS = 4000;
const CANDIDATES = 1000;

/** `name AS (…)`: whether at least COMMON_MATCHES of the `recent` rows match `q`. */
function commonProbe(name: 'task_probe' | 'comment_probe', recent: Prisma.Sql, q: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(name)} AS (
      SELECT count(*) >= ${COMMON_MATCHES} AS common
        FROM (${recent}) AS r
       WHERE ts_match_vq(r.search_vector, ${q}))`;
}

/**
 * One statement: the best `limit` tasks and the best `limit` comments, merged and cut to
 * `limit`, then — for those rows only — the snippet of the best-matching field. Positions
 * compare as (score, updated_at, id), all descending.
 *
 * Each kind has two ways to its candidates, and a probe of its PROBE_ROWS most recent items
 * (through the recency index) picks one for the whole statement, so every page of one query
 * takes the same way: a rare term reads its matches from the GIN index and ranks them all; a
 * common one walks the recency index down from the newest item, the match as a filter
 * (`ts_match_vq`, the function behind `@@`, which no index serves), and ranks only the most
 * recent matches (CANDIDATES, WINDOW_ROWS). The branch not taken is never run (its one-time
 * filter is false).
 */
export function hitsQuery(request: SearchRequest, tsquery: string): Prisma.Sql {
  const { workspaceId, types, projectId, limit, after } = request;
  const q = Prisma.sql`${tsquery}::tsquery`;
  const inProject = projectId === undefined ? Prisma.empty : Prisma.sql`AND t.project_id = ${projectId}::uuid`;
  const probes: Prisma.Sql[] = [];
  const parts: Prisma.Sql[] = [];
  if (types.includes('task')) {
    const recent = (rows: number) => Prisma.sql`
      SELECT t.id, t.updated_at, t.search_vector FROM tasks t
       WHERE t.workspace_id = ${workspaceId}::uuid AND t.deleted_at IS NULL ${inProject}
       ORDER BY t.updated_at DESC, t.id DESC
       LIMIT ${rows}`;
    probes.push(commonProbe('task_probe', recent(PROBE_ROWS), q));
    parts.push(Prisma.sql`(
      SELECT 'task' AS type, m.id, m.id AS task_id, m.updated_at, ts_rank_cd(m.search_vector, ${q}) AS score
        FROM ((SELECT r.id, r.updated_at, r.search_vector
                 FROM (${recent(WINDOW_ROWS)}) AS r
                WHERE (SELECT common FROM task_probe) AND ts_match_vq(r.search_vector, ${q})
                ORDER BY r.updated_at DESC, r.id DESC
                LIMIT ${CANDIDATES})
              UNION ALL
              SELECT t.id, t.updated_at, t.search_vector FROM tasks t
               WHERE NOT (SELECT common FROM task_probe)
                 AND t.workspace_id = ${workspaceId}::uuid AND t.deleted_at IS NULL AND t.search_vector @@ ${q}
                 ${inProject}) AS m
       WHERE TRUE ${afterClause(Prisma.sql`ts_rank_cd(m.search_vector, ${q})`, Prisma.sql`m.updated_at`, Prisma.sql`m.id`, after)}
       ORDER BY score DESC, m.updated_at DESC, m.id DESC
       LIMIT ${limit})`);
  }
  if (types.includes('comment')) {
    // A comment is live while its task is, and in a project when its task is. The project is
    // asked of each walked comment (only when filtering by project); liveness only of the ranked
    // comments, in rank order, until the page is full: a subquery per row, which the planner
    // cannot turn into a hash of every task of the workspace.
    const taskIs = (condition: Prisma.Sql, taskId: Prisma.Sql) =>
      Prisma.sql`(SELECT ${condition} FROM tasks t WHERE t.id = ${taskId} AND t.workspace_id = ${workspaceId}::uuid)`;
    const inCommentProject =
      projectId === undefined
        ? Prisma.empty
        : Prisma.sql`AND ${taskIs(Prisma.sql`t.project_id = ${projectId}::uuid`, Prisma.sql`c.task_id`)}`;
    const recent = (rows: number) => Prisma.sql`
      SELECT c.id, c.task_id, c.updated_at, c.search_vector FROM task_comments c
       WHERE c.workspace_id = ${workspaceId}::uuid ${inCommentProject}
       ORDER BY c.updated_at DESC, c.id DESC
       LIMIT ${rows}`;
    probes.push(commonProbe('comment_probe', recent(PROBE_ROWS), q));
    parts.push(Prisma.sql`(
      SELECT 'comment' AS type, ranked.id, ranked.task_id, ranked.updated_at, ranked.score
        FROM (SELECT m.id, m.task_id, m.updated_at, ts_rank_cd(m.search_vector, ${q}) AS score
                FROM ((SELECT r.id, r.task_id, r.updated_at, r.search_vector
                         FROM (${recent(WINDOW_ROWS)}) AS r
                        WHERE (SELECT common FROM comment_probe) AND ts_match_vq(r.search_vector, ${q})
                        ORDER BY r.updated_at DESC, r.id DESC
                        LIMIT ${CANDIDATES})
                      UNION ALL
                      SELECT c.id, c.task_id, c.updated_at, c.search_vector FROM task_comments c
                       WHERE NOT (SELECT common FROM comment_probe)
                         AND c.workspace_id = ${workspaceId}::uuid AND c.search_vector @@ ${q} ${inCommentProject}) AS m
               WHERE TRUE ${afterClause(Prisma.sql`ts_rank_cd(m.search_vector, ${q})`, Prisma.sql`m.updated_at`, Prisma.sql`m.id`, after)}
               ORDER BY score DESC, m.updated_at DESC, m.id DESC
              OFFSET 0) AS ranked
       WHERE ${taskIs(Prisma.sql`t.deleted_at IS NULL`, Prisma.sql`ranked.task_id`)}
       ORDER BY ranked.score DESC, ranked.updated_at DESC, ranked.id DESC
       LIMIT ${limit})`);
  }
  const headlineOf = (field: Prisma.Sql) =>
    Prisma.sql`ts_headline('groundwork_search', translate(${field}, ${MARKUP_FROM}, ${MARKUP_TO}), ${q},
                           CASE WHEN char_length(${field}) <= ${WHOLE_TEXT_MAX_CHARACTERS} THEN ${WHOLE_TEXT}
                                ELSE ${EXCERPTS} END)`;
  const matches = (field: Prisma.Sql) =>
    Prisma.sql`to_tsvector('groundwork_search', groundwork_search_text(${field})) @@ ${q}`;
  return Prisma.sql`
    WITH ${Prisma.join(probes, ', ')},
    page AS (
      SELECT * FROM (${Prisma.join(parts, ' UNION ALL ')}) AS hits
       ORDER BY score DESC, updated_at DESC, id DESC
       LIMIT ${limit}
    )
    SELECT page.type, page.id, page.task_id, t.project_id, t.title, page.score, page.updated_at,
           CASE
             WHEN page.type = 'comment' THEN ${headlineOf(Prisma.sql`c.body`)}
             WHEN t.description IS NOT NULL AND NOT ${matches(Prisma.sql`t.title`)}
                  AND ${matches(Prisma.sql`t.description`)} THEN ${headlineOf(Prisma.sql`t.description`)}
             ELSE ${headlineOf(Prisma.sql`t.title`)}
           END AS headline
      FROM page
      JOIN tasks t ON t.id = page.task_id AND t.workspace_id = ${workspaceId}::uuid
      LEFT JOIN task_comments c ON page.type = 'comment' AND c.id = page.id
     ORDER BY page.score DESC, page.updated_at DESC, page.id DESC`;
}

/** The shortest word the trigram fallback looks for: a shorter one has too few trigrams to compare. */
const FUZZY_MIN_CHARACTERS = 3;

/**
 * The word the trigram fallback looks for: the query when it is one word of letters and digits
 * (a misspelling is a word; operators, phrases and several words stay full-text only), else null.
 */
export function fuzzyTerm(text: SearchText): string | null {
  const word = text.query;
  return /^[\p{L}\p{N}]+$/u.test(word) && [...word].length >= FUZZY_MIN_CHARACTERS ? word : null;
}

/**
 * The trigram fallback, when the full-text query found nothing: the live tasks of the workspace
 * whose title holds a word like `term` (`<%`: pg_trgm's word_similarity above its threshold,
 * 0.6 by default), from the (workspace_id, title) trigram index. Score is that similarity; the
 * snippet is the title without marks (nothing in it matches the term exactly).
 */
export function similarTitlesQuery(request: SearchRequest, term: string): Prisma.Sql {
  const { workspaceId, projectId, limit, after } = request;
  const score = Prisma.sql`word_similarity(${term}, t.title)`;
  return Prisma.sql`
    SELECT 'task' AS type, t.id, t.id AS task_id, t.project_id, t.title, t.updated_at, ${score} AS score,
           translate(t.title, ${MARKUP_FROM}, ${MARKUP_TO}) AS headline
      FROM tasks t
     WHERE t.workspace_id = ${workspaceId}::uuid AND t.deleted_at IS NULL AND ${term} <% t.title
           ${projectId === undefined ? Prisma.empty : Prisma.sql`AND t.project_id = ${projectId}::uuid`}
           ${afterClause(score, Prisma.sql`t.updated_at`, Prisma.sql`t.id`, after)}
     ORDER BY score DESC, t.updated_at DESC, t.id DESC
     LIMIT ${limit}`;
}

/** Rows strictly after the position; the row comparison keeps ties on score in recency/id order. */
function afterClause(score: Prisma.Sql, updatedAt: Prisma.Sql, id: Prisma.Sql, after?: SearchPosition): Prisma.Sql {
  if (after === undefined) return Prisma.empty;
  return Prisma.sql`AND (${score}, ${updatedAt}, ${id}) < (${after.score}::real, ${after.updatedAt}::timestamptz, ${after.id}::uuid)`;
}
