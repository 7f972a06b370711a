import { describe, expect, it } from '@jest/globals';
import { FALLBACK_FILENAME, sanitizeFilename } from './filename.js';

describe('sanitizeFilename', () => {
  it('removes path separators, so no name can climb out of anything', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('....etcpasswd');
    expect(sanitizeFilename('..\\..\\win.ini')).toBe('....win.ini');
  });

  it('removes NUL, other control characters and bidi overrides', () => {
    expect(sanitizeFilename('a\u0000b\u0007c\u001b[31m.txt')).toBe('abc[31m.txt');
    expect(sanitizeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFilename('x\u2066y\u2069\u200F.txt')).toBe('xy.txt');
  });

  it('names a file that has nothing left `file`', () => {
    for (const raw of [undefined, '', '   ', '.', '..', '\u0000', '/'])
      expect(sanitizeFilename(raw)).toBe(FALLBACK_FILENAME);
  });

  it('keeps names NFC-normalised and within 255 UTF-8 bytes, with their extension', () => {
    expect(sanitizeFilename('Cafe\u0301.txt')).toBe('Café.txt');
    const long = sanitizeFilename(`${'ä'.repeat(300)}.pdf`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith('ä.pdf')).toBe(true);
    expect(sanitizeFilename('😀'.repeat(100))).toBe('😀'.repeat(63));
  });

  it('replaces lone surrogates, which UTF-8 cannot carry', () => {
    expect(sanitizeFilename('a\uD800b')).toBe('a\uFFFDb');
  });
});
