import sanitizeHtml from 'sanitize-html';

/** Schemes a link must never carry: they run script or smuggle a document into the page. */
const UNSAFE_SCHEME = /^(javascript|data|vbscript):/;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  colon: ':',
  tab: '\t',
  newline: '\n',
  sol: '/',
  lpar: '(',
  rpar: ')',
};

/**
 * The scheme a browser would see in a link destination: HTML entities decoded (markdown
 * renderers decode them in destinations), backslash escapes, whitespace and control characters
 * dropped (browsers strip tabs and newlines from URLs), lower-cased.
 */
function effectiveDestination(destination: string): string {
  return (
    destination
      .replace(/&#x([0-9a-f]+);?/gi, (_m, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16) % 0x110000))
      .replace(/&#(\d+);?/g, (_m, dec: string) => String.fromCodePoint(Number.parseInt(dec, 10) % 0x110000))
      .replace(/&([a-z]+);?/gi, (match, name: string) => NAMED_ENTITIES[name.toLowerCase()] ?? match)
      .replace(/\\/g, '')
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
      .replace(/[\u0000-\u0020\u007f-\u009f]/g, '')
      .toLowerCase()
  );
}

function safeDestination(destination: string): string {
  const bare = destination.startsWith('<') && destination.endsWith('>') ? destination.slice(1, -1) : destination;
  return UNSAFE_SCHEME.test(effectiveDestination(bare)) ? '#' : destination;
}

/**
 * `](dest` of inline links and images; the destination is bracketed or runs to a space, a line
 * end or `)`. Tabs and other control characters are taken in: sanitize-html has decoded
 * `&#9;`, and a lax renderer or the browser would drop them from the URL.
 */
const INLINE_DESTINATION = /(\]\(\s*)(<[^>\n]*>|[^ \n)]+(?:\([^ \n)]*\)[^ \n)]*)*)/g;
/** `[label]: dest` reference definitions, at most three spaces in. */
const REFERENCE_DEFINITION = /^( {0,3}\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)/gm;
/** `<scheme:…>` autolinks (sanitize-html already drops most as unknown tags). */
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi;

/**
 * Markdown as clients send it, with every HTML tag removed (scripts and styles with their
 * content), so that no renderer that passes raw HTML through can be made to run a script
 * (`<script>`, `<img onerror=…>`, `<a href="javascript:…">` all disappear), and every link
 * destination with a `javascript:`, `data:` or `vbscript:` scheme — however it is spelled
 * (case, entities, escapes, control characters) — replaced by `#`.
 *
 * sanitize-html escapes `<`, `>` and `&` in the text it keeps; `>` (markdown block quotes)
 * and `&` are put back, since neither can open a tag on its own. `&lt;` stays escaped — a
 * markdown renderer shows it as `<` — so a tag can never be reassembled from the output.
 */
export function sanitizeMarkdown(input: string): string {
  const clean = sanitizeHtml(input, {
    allowedTags: [],
    allowedAttributes: {},
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'noscript', 'iframe', 'object'],
  })
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return clean
    .replace(INLINE_DESTINATION, (_m, lead: string, destination: string) => lead + safeDestination(destination))
    .replace(REFERENCE_DEFINITION, (_m, lead: string, destination: string) => lead + safeDestination(destination))
    .replace(AUTOLINK, (match, destination: string) => (safeDestination(destination) === '#' ? '' : match));
}
