/** The longest query, in characters (code points, so 200 emoji are 200 characters). */
export const MAX_QUERY_CHARACTERS = 200;

/**
 * A query as the engines receive it. `query` is the user's text in web-search syntax with what
 * no engine should see removed; `prefix` is its last word when the text ends inside a word
 * (search as you type), matched as a prefix as well as a whole word.
 */
export interface SearchText {
  query: string;
  prefix: string | null;
}

/** Whether `q` is an acceptable query: 1–200 characters, not only white space. */
export function isValidQuery(q: string): boolean {
  const length = [...q].length;
  return length >= 1 && length <= MAX_QUERY_CHARACTERS && q.trim().length > 0;
}

/**
 * Control characters (NUL among them: PostgreSQL text cannot hold it) become spaces and format
 * characters (bidi marks, zero-width joiners) go; what remains is handed to the engines only as
 * a bound parameter (PostgreSQL) or a JSON string (Elasticsearch), never spliced into a query.
 */
export function toSearchText(q: string): SearchText {
  const cleaned = q
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\p{Cf}/gu, '')
    .replace(/\p{Cs}/gu, '');
  // Before trimming: a trailing space means the last word is finished.
  const last = /[\p{L}\p{N}]+$/u.exec(cleaned);
  return { query: cleaned.trim(), prefix: last ? last[0] : null };
}
