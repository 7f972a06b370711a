import { describe, expect, it } from '@jest/globals';
import { renderSnippet, SENTINEL } from '../query/snippet.js';
import { snippetSource, unionOfMarks } from './highlights.js';

const m = (text: string) => `${SENTINEL.markStart}${text}${SENTINEL.markEnd}`;

describe('Elasticsearch highlights as snippets', () => {
  it('unites the marks of a field and of its prefix sub-field over the same text', () => {
    expect(unionOfMarks(`${m('Deploy')} pipeline now`, `Deploy ${m('pipeline')} now`)).toBe(
      `${m('Deploy')} ${m('pipeline')} now`,
    );
    expect(unionOfMarks(`${m('ab')}c`, `a${m('bc')}`)).toBe(m('abc'));
  });

  it('takes a task’s title when it matches, else its matching description, else the title as it is', () => {
    expect(snippetSource('task', { title: [m('Deploy')], description: [`the ${m('deploy')}`] })).toBe(m('Deploy'));
    expect(snippetSource('task', { title: ['Deploy'], description: [`a ${m('kube')}`, `b ${m('kube')}`] })).toBe(
      `a ${m('kube')} … b ${m('kube')}`,
    );
    expect(snippetSource('task', { title: ['Deploy'], 'description.prefix': [`a ${m('kubernetes')}`] })).toBe(
      `a ${m('kubernetes')}`,
    );
    expect(snippetSource('task', { title: ['Deploy'], description: ['unmarked'] })).toBe('Deploy');
    expect(snippetSource('task', {}, 'Fallback')).toBe('Fallback');
  });

  it('takes a comment’s body, and renders matches as <mark> with everything else escaped', () => {
    const source = snippetSource('comment', { body: [`Fix <script>${m('alert')}</script> & more`] });
    expect(renderSnippet(source)).toBe('Fix &lt;script&gt;<mark>alert</mark>&lt;/script&gt; &amp; more');
  });
});
