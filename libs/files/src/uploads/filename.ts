/** What a stored filename may be at most, in UTF-8 bytes. */
export const MAX_FILENAME_BYTES = 255;

/** The name given to a file whose own name has nothing left after sanitising. */
export const FALLBACK_FILENAME = 'file';

/**
 * Removed from filenames: path separators, C0/C1 control characters (NUL included) and the
 * bidirectional formatting characters that can make `evil‮gpj.exe` display as `evilexe.jpg`.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const REMOVED = /[/\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Lone UTF-16 surrogates (not encodable as UTF-8) become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The longest prefix of `text` (whole code points) that fits in `bytes` UTF-8 bytes. */
function fitUtf8(text: string, bytes: number): string {
  let used = 0;
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > bytes) break;
    used += size;
    out += char;
  }
  return out;
}

/**
 * The filename to store for what a client sent: only ever metadata (no path is built from it),
 * made safe to show and to send back in Content-Disposition. Separators, control and bidi
 * characters are removed, the rest NFC-normalised; a name of dots alone or nothing becomes
 * `file`; longer than 255 bytes is shortened, keeping a short extension.
 */
export function sanitizeFilename(raw: string | undefined): string {
  const name = (raw ?? '').replace(LONE_SURROGATE, '\uFFFD').normalize('NFC').replace(REMOVED, '').trim();
  if (/^\.*$/.test(name)) return FALLBACK_FILENAME;
  if (Buffer.byteLength(name, 'utf8') <= MAX_FILENAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot) : '';
  if (extension.length > 1 && Buffer.byteLength(extension, 'utf8') <= 16) {
    const stem = fitUtf8(name.slice(0, dot), MAX_FILENAME_BYTES - Buffer.byteLength(extension, 'utf8'));
    return `${stem}${extension}`;
  }
  return fitUtf8(name, MAX_FILENAME_BYTES);
}
