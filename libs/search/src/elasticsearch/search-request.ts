import type { estypes } from '@elastic/elasticsearch';
import type { SearchRequest } from '../ports/search-engine.js';
import { SENTINEL } from '../query/snippet.js';
import { FIELD_BOOSTS, TEXT_FIELDS } from './index-definition.js';
import { parseWebSearch, type WebSearchTerm } from './web-search.js';

/** The longest fragment of a description or comment in a snippet, in characters; up to two of them. */
const FRAGMENT_SIZE = 150;
/** A title is at most 200 characters: it always comes back whole. */
const TITLE_MAX_CHARACTERS = 200;

const boosted = (suffix = '') => TEXT_FIELDS.map((field) => `${field}${suffix}^${FIELD_BOOSTS[field]}`);

function termQuery(term: WebSearchTerm, asPrefix: boolean): estypes.QueryDslQueryContainer {
  const whole: estypes.QueryDslQueryContainer =
    term.kind === 'phrase'
      ? { multi_match: { query: term.text, fields: boosted(), type: 'phrase' } }
      : { multi_match: { query: term.text, fields: boosted(), type: 'cross_fields', operator: 'and' } };
  const positive: estypes.QueryDslQueryContainer = asPrefix
    ? {
        bool: {
          should: [
            whole,
            { multi_match: { query: term.text, fields: boosted('.prefix'), type: 'cross_fields', operator: 'and' } },
          ],
          minimum_should_match: 1,
        },
      }
    : whole;
  return term.negated ? { bool: { must_not: [positive] } } : positive;
}

/**
 * The `_search` body of a request: the web-search terms as bool clauses over the weighted
 * fields (the last word, when the text ends inside it, also against the edge n-grams of the
 * `.prefix` sub-fields), filtered to the workspace's live documents of the asked types, sorted
 * by score, recency and id with `search_after` continuing from the cursor's position, and
 * highlighted with the sentinel marks `renderSnippet` turns into `<mark>`. The user's text only
 * ever travels as query strings, never as query syntax. Null when no term is left to search.
 */
export function searchBody(request: SearchRequest): estypes.SearchRequest | null {
  const groups = parseWebSearch(request.text.query);
  if (groups.length === 0) return null;
  const last = groups.at(-1)!;
  const lastTerm = last.at(-1)!;
  const prefixLast = request.text.prefix !== null && lastTerm.kind === 'word' && !lastTerm.negated;
  const must = groups.map((group, g) => {
    const clauses = group.map((term, t) =>
      termQuery(term, prefixLast && g === groups.length - 1 && t === group.length - 1),
    );
    return clauses.length === 1 ? clauses[0]! : { bool: { should: clauses, minimum_should_match: 1 } };
  });
  const filter: estypes.QueryDslQueryContainer[] = [
    { term: { workspace_id: request.workspaceId } },
    { terms: { type: [...request.types] } },
    { term: { live: true } },
  ];
  if (request.projectId !== undefined) filter.push({ term: { project_id: request.projectId } });
  const fragments = { fragment_size: FRAGMENT_SIZE, number_of_fragments: 2, no_match_size: FRAGMENT_SIZE };
  const whole = { number_of_fragments: 0, no_match_size: TITLE_MAX_CHARACTERS };
  return {
    size: request.limit,
    track_total_hits: false,
    query: { bool: { filter, must } },
    sort: [{ _score: { order: 'desc' } }, { updated_at: { order: 'desc' } }, { id: { order: 'desc' } }],
    ...(request.after === undefined
      ? {}
      : { search_after: [request.after.score, request.after.updatedAt.getTime(), request.after.id] }),
    _source: ['type', 'id', 'task_id', 'project_id', 'task_title', 'updated_at'],
    highlight: {
      pre_tags: [SENTINEL.markStart],
      post_tags: [SENTINEL.markEnd],
      fields: {
        title: whole,
        'title.prefix': whole,
        description: fragments,
        'description.prefix': fragments,
        body: fragments,
        'body.prefix': fragments,
      },
    },
  };
}
