/** RFC 8187 attr-char: what may stand unescaped in an ext-value. */
const NOT_ATTR_CHAR = /[^A-Za-z0-9!#$&+\-.^_`|~]/g;

function encodeExtValue(text: string): string {
  return Array.from(Buffer.from(text, 'utf8'))
    .map((byte) => String.fromCharCode(byte))
    .join('')
    .replace(NOT_ATTR_CHAR, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * `Content-Disposition: attachment; filename*=UTF-8''…` (RFC 6266 with RFC 8187/5987
 * encoding): every byte outside attr-char is percent-encoded, so quotes, semicolons, CR/LF or
 * non-ASCII letters in a name can neither break the header nor inject parameters.
 */
export function attachmentDisposition(filename: string): string {
  return `attachment; filename*=UTF-8''${encodeExtValue(filename)}`;
}
