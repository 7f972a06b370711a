import { describe, expect, it } from '@jest/globals';
import { ContentTypeCheck } from './content-type-check.js';

const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const PDF_HEAD = Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n', 'latin1');

async function verdict(declared: string | undefined, bytes: Buffer): Promise<string> {
  const check = new ContentTypeCheck(declared);
  try {
    await check.head(bytes.subarray(0, 4100));
    check.chunk(bytes);
    check.end();
    return check.contentType;
  } catch (error) {
    return `refused: ${(error as { code: string }).code}`;
  }
}

describe('ContentTypeCheck', () => {
  it('accepts a type the bytes confirm, and refuses one they contradict (415)', async () => {
    expect(await verdict('image/png', PNG_HEAD)).toBe('image/png');
    expect(await verdict('Image/PNG; name=x', PNG_HEAD)).toBe('image/png');
    expect(await verdict('application/pdf', PNG_HEAD)).toBe('refused: unsupported_media_type');
    expect(await verdict('image/png', Buffer.from('plain words'))).toBe('refused: unsupported_media_type');
  });

  it('takes what the bytes show for application/octet-stream or no declared type', async () => {
    expect(await verdict('application/octet-stream', PDF_HEAD)).toBe('application/pdf');
    expect(await verdict(undefined, Buffer.from([1, 2, 3]))).toBe('application/octet-stream');
  });

  it('accepts text types only as UTF-8 without NUL that sniffs as no binary format', async () => {
    expect(await verdict('text/plain', Buffer.from('Grüße 👋'))).toBe('text/plain');
    expect(await verdict('application/json', Buffer.from('{"a":[1,2]}'))).toBe('application/json');
    expect(await verdict('text/markdown', Buffer.from(''))).toBe('text/markdown');
    expect(await verdict('text/plain', Buffer.from('a\u0000b'))).toBe('refused: unsupported_media_type');
    expect(await verdict('text/csv', Buffer.from([0x61, 0xc3]))).toBe('refused: unsupported_media_type');
    expect(await verdict('text/plain', PDF_HEAD)).toBe('refused: unsupported_media_type');
  });

  it('accepts a type the sniffer does not know unless the bytes are something else', async () => {
    expect(await verdict('application/vnd.acme.thing', Buffer.from([7, 7, 7]))).toBe('application/vnd.acme.thing');
    expect(await verdict('application/vnd.acme.thing', PNG_HEAD)).toBe('refused: unsupported_media_type');
  });

  it('refuses a declared type that is not a media type', () => {
    expect(() => new ContentTypeCheck('not a type')).toThrow(
      expect.objectContaining({ code: 'unsupported_media_type' }),
    );
  });
});
