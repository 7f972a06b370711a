import { describe, expect, it } from '@jest/globals';
import { sanitizeMarkdown } from './markdown.js';

describe('sanitizeMarkdown', () => {
  it('removes HTML that can run script and keeps markdown', () => {
    expect(sanitizeMarkdown('> quote & **bold** <script>alert(1)</script><img src=x onerror=alert(1)>')).toBe(
      '> quote & **bold** ',
    );
  });

  it.each([
    ['an inline link', '[click](javascript:alert(1))'],
    ['an upper-case scheme', '[click](JaVaScRiPt:alert(1))'],
    ['a bracketed destination', '[click](<javascript:alert(1)>)'],
    ['a data: URL', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['a vbscript: URL', '[click](vbscript:msgbox(1))'],
    ['an image', '![x](javascript:alert(1))'],
    ['a link with a title', '[click](javascript:alert(1) "title")'],
    ['a reference definition', '[click][1]\n\n[1]: javascript:alert(1)'],
    ['an indented reference definition', '[click][a]\n\n   [a]:   <data:text/html,hi>'],
    ['an entity-encoded scheme', '[click](&#106;avascript:alert(1))'],
    ['a hex entity and a tab entity', '[click](&#x6A;ava&#9;script:alert(1))'],
    ['a named colon entity', '[click](javascript&colon;alert(1))'],
    ['a backslash-escaped colon', '[click](javascript\\:alert(1))'],
    ['an autolink', '<javascript:alert(1)>'],
  ])('neutralises a javascript:/data:/vbscript: link in %s', (_label, input) => {
    const output = sanitizeMarkdown(input).toLowerCase();

    expect(output).not.toMatch(/(javascript|data|vbscript)(:|&colon;|\\:)/);
    expect(output.replace(/&#x?[0-9a-f]+;?/g, '')).not.toMatch(/ava.*script/);
  });

  it('keeps ordinary links, relative links and mailto', () => {
    const input =
      '[docs](https://example.com/a?b=c) [rel](/tasks/1) [mail](mailto:ada@example.com) [ref][1]\n\n[1]: http://x.test';

    expect(sanitizeMarkdown(input)).toBe(input);
  });
});
