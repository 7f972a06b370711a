/** One term of a query in web-search syntax: a word or a quoted phrase, possibly excluded. */
export interface WebSearchTerm {
  kind: 'word' | 'phrase';
  text: string;
  negated: boolean;
}

/**
 * Web-search syntax as PostgreSQL's websearch_to_tsquery reads it: terms separated by spaces
 * must all match; `"…"` is a phrase (an unclosed quote runs to the end); `-` before a term
 * excludes it; `or` between two terms makes them alternatives. Returns the alternatives of
 * each required group, in order. Terms with neither a letter nor a digit are dropped, as
 * PostgreSQL's parser drops them (they would otherwise match nothing and so sink the query).
 */
export function parseWebSearch(query: string): WebSearchTerm[][] {
  const groups: WebSearchTerm[][] = [];
  let joinNext = false;
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    let negated = false;
    if (c === '-' && i + 1 < query.length && !/\s/u.test(query[i + 1]!)) {
      negated = true;
      i++;
    }
    let term: WebSearchTerm;
    if (query[i] === '"') {
      const end = query.indexOf('"', i + 1);
      const text = query.slice(i + 1, end === -1 ? query.length : end);
      i = end === -1 ? query.length : end + 1;
      term = { kind: 'phrase', text: text.trim(), negated };
    } else {
      let end = i;
      while (end < query.length && !/\s/u.test(query[end]!) && query[end] !== '"') end++;
      const text = query.slice(i, end);
      i = end;
      if (!negated && text.toLowerCase() === 'or') {
        joinNext = groups.length > 0;
        continue;
      }
      term = { kind: 'word', text, negated };
    }
    if (!/[\p{L}\p{N}]/u.test(term.text)) continue;
    if (joinNext) groups.at(-1)!.push(term);
    else groups.push([term]);
    joinNext = false;
  }
  return groups;
}
