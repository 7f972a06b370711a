import { describe, expect, it } from '@jest/globals';
import { attachmentDisposition } from './content-disposition.js';

describe('attachmentDisposition', () => {
  it('percent-encodes the UTF-8 bytes of the name (RFC 8187)', () => {
    expect(attachmentDisposition('rapport été.pdf')).toBe("attachment; filename*=UTF-8''rapport%20%C3%A9t%C3%A9.pdf");
  });

  it('leaves no quote, semicolon, line break or parenthesis that could bend the header', () => {
    const header = attachmentDisposition('a";b=c\r\nX: y (1)\'*.txt');
    expect(header).toBe("attachment; filename*=UTF-8''a%22%3Bb%3Dc%0D%0AX%3A%20y%20%281%29%27%2A.txt");
  });
});
