/** XML 1.0 allows no control characters but tab, newline and carriage return. */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function escape(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

export interface XmlNames {
  /** The document element. */
  root: string;
  /** Element names of array items, by the array's element name (default `item`). */
  items?: Record<string, string>;
}

function element(name: string, value: unknown, names: XmlNames): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (Array.isArray(value)) {
    const item = names.items?.[name] ?? 'item';
    return `<${name}>${value.map((entry) => element(item, entry, names)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const children = Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => element(key, child, names))
      .join('');
    return `<${name}>${children}</${name}>`;
  }
  return `<${name}>${escape(String(value))}</${name}>`;
}

/**
 * The XML representation of a JSON-shaped value: objects become elements named by their
 * keys (camelCase, as in JSON), arrays wrap items named per `items`, null is an empty element.
 */
export function toXml(value: unknown, names: XmlNames): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(names.root, value, names)}`;
}
