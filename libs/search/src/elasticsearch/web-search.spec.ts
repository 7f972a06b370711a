import { describe, expect, it } from '@jest/globals';
import { parseWebSearch } from './web-search.js';

const word = (text: string, negated = false) => ({ kind: 'word', text, negated });
const phrase = (text: string, negated = false) => ({ kind: 'phrase', text, negated });

describe('web-search syntax', () => {
  it('requires every word, each its own group', () => {
    expect(parseWebSearch('deploy  pipeline')).toEqual([[word('deploy')], [word('pipeline')]]);
  });

  it('reads quoted phrases, an unclosed quote running to the end', () => {
    expect(parseWebSearch('"release notes" k8s "open quote')).toEqual([
      [phrase('release notes')],
      [word('k8s')],
      [phrase('open quote')],
    ]);
  });

  it('excludes a term after a minus, and joins the terms around `or` as alternatives', () => {
    expect(parseWebSearch('-draft kubernetes OR helm or -"old chart"')).toEqual([
      [word('draft', true)],
      [word('kubernetes'), word('helm'), phrase('old chart', true)],
    ]);
  });

  it('ignores a leading or trailing `or`, a lone minus and terms without a letter or digit', () => {
    expect(parseWebSearch('or - && "" deploy or')).toEqual([[word('deploy')]]);
    expect(parseWebSearch('😀😀 ||')).toEqual([]);
  });
});
