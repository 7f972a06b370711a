/**
 * Snippets are cut by the engine and escaped here. The engine never sees text that looks like
 * markup: before highlighting, `<`, `>` and `&` are swapped for private-use characters (and any
 * private-use character of the text itself is dropped), and the highlight is marked with two
 * more. So PostgreSQL's ts_headline, which drops whatever looks like a tag, has none to drop,
 * and this function — the one place that writes HTML — escapes everything and then turns the
 * sentinels into `&lt;`, `&gt;`, `&amp;` and `<mark>`/`</mark>`.
 */
export const SENTINEL = {
  lt: '\uE001',
  gt: '\uE002',
  amp: '\uE003',
  markStart: '\uE004',
  markEnd: '\uE005',
} as const;

/** Every sentinel character (U+E000–U+E005), to be stripped from stored text before use. */
export const SENTINEL_RANGE = '\uE000\uE001\uE002\uE003\uE004\uE005';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  [SENTINEL.lt]: '&lt;',
  [SENTINEL.gt]: '&gt;',
  [SENTINEL.amp]: '&amp;',
  [SENTINEL.markStart]: '<mark>',
  [SENTINEL.markEnd]: '</mark>',
  '\uE000': '',
};

/**
 * Text without any sentinel character, as Elasticsearch stores it: its highlighter adds only
 * the two mark sentinels and `renderSnippet` escapes markup itself, so no stored character can
 * pass for a mark.
 */
export function withoutSentinels(text: string): string {
  return text.replace(/[\uE000-\uE005]/g, '');
}

/** Text with sentinels in place of markup characters (the form handed to PostgreSQL's ts_headline). */
export function withSentinels(text: string): string {
  return text
    .replace(/[\uE000-\uE005]/g, '')
    .replaceAll('<', SENTINEL.lt)
    .replaceAll('>', SENTINEL.gt)
    .replaceAll('&', SENTINEL.amp);
}

/** The engine's highlighted output → safe HTML: everything escaped, matches in `<mark>`. */
export function renderSnippet(highlighted: string): string {
  return highlighted.replace(/[&<>"'\uE000-\uE005]/g, (c) => ESCAPES[c] ?? '');
}
