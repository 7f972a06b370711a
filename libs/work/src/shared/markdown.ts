import sanitizeHtml from 'sanitize-html';

/**
 * Markdown as clients send it, with every HTML tag removed (scripts and styles with their
 * content), so that no renderer that passes raw HTML through can be made to run a script
 * (`<script>`, `<img onerror=…>`, `<a href="javascript:…">` all disappear).
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
  });
  return clean.replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
