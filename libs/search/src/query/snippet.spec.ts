import { describe, expect, it } from '@jest/globals';
import { renderSnippet, SENTINEL, withSentinels } from './snippet.js';

describe('search snippets', () => {
  it('escapes text that looks like markup instead of dropping it', () => {
    const stored = withSentinels('Fix <script>alert("x")</script> & <b>bold</b>');
    expect(stored).not.toMatch(/[<>&]/);
    expect(renderSnippet(stored)).toBe(
      'Fix &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;',
    );
  });

  it('wraps the engine-marked matches in <mark>, and only those', () => {
    const highlighted = `a ${SENTINEL.markStart}café${SENTINEL.markEnd} ${SENTINEL.lt}mark${SENTINEL.gt}`;
    expect(renderSnippet(highlighted)).toBe('a <mark>café</mark> &lt;mark&gt;');
  });

  it('drops sentinel characters that were part of the stored text, so they cannot forge a <mark>', () => {
    const stored = withSentinels(`x ${SENTINEL.markStart}forged${SENTINEL.markEnd} \uE000`);
    expect(renderSnippet(stored)).toBe('x forged ');
  });
});
