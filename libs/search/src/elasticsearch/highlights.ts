import { SENTINEL } from '../query/snippet.js';

/** Elasticsearch's `highlight` of one hit: fragments per field, marked with the sentinels. */
export type Highlights = Partial<Record<string, string[]>>;

const hasMark = (text: string | undefined): text is string => text !== undefined && text.includes(SENTINEL.markStart);

/**
 * One whole-field highlight from two of the same text (the field and its `.prefix` sub-field,
 * which mark different words): a character is marked when either marks it.
 */
export function unionOfMarks(a: string, b: string): string {
  const marked = (highlighted: string): { text: string; mask: boolean[] } => {
    let text = '';
    const mask: boolean[] = [];
    let inside = false;
    for (const c of highlighted) {
      if (c === SENTINEL.markStart) inside = true;
      else if (c === SENTINEL.markEnd) inside = false;
      else {
        text += c;
        mask.push(inside);
      }
    }
    return { text, mask };
  };
  const left = marked(a);
  const right = marked(b);
  if (left.text !== right.text) return a;
  let out = '';
  let inside = false;
  let index = 0;
  for (const c of left.text) {
    const on = left.mask[index]! || right.mask[index]!;
    if (on !== inside) out += on ? SENTINEL.markStart : SENTINEL.markEnd;
    inside = on;
    out += c;
    index++;
  }
  return inside ? out + SENTINEL.markEnd : out;
}

/** The marked fragments of a field, from the field itself or else its `.prefix` sub-field. */
function fragments(highlight: Highlights, field: string): string | undefined {
  for (const name of [field, `${field}.prefix`]) {
    const parts = highlight[name];
    if (parts !== undefined && parts.some(hasMark)) return parts.join(' … ');
  }
  return undefined;
}

/**
 * The snippet text (still with sentinels) of a hit, from its best-matching field as the
 * PostgreSQL engine chooses it: a comment's body; a task's title when it matches, else its
 * description when that matches, else the title as it is.
 */
export function snippetSource(type: 'task' | 'comment', highlight: Highlights = {}, fallbackTitle = ''): string {
  if (type === 'comment') return fragments(highlight, 'body') ?? highlight.body?.[0] ?? '';
  const title = highlight.title?.[0];
  const titlePrefix = highlight['title.prefix']?.[0];
  if (hasMark(title) && hasMark(titlePrefix)) return unionOfMarks(title, titlePrefix);
  if (hasMark(title)) return title;
  if (hasMark(titlePrefix)) return titlePrefix;
  return fragments(highlight, 'description') ?? title ?? fallbackTitle;
}
