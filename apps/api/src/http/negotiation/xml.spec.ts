import { describe, expect, it } from '@jest/globals';
import { toXml } from './xml.js';

describe('toXml', () => {
  it('writes objects as elements named by their keys, with a declaration', () => {
    expect(toXml({ id: 'a', number: 3, done: false }, { root: 'task' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<task><id>a</id><number>3</number><done>false</done></task>',
    );
  });

  it('wraps array items in the element named for that array, and writes null as an empty element', () => {
    const xml = toXml({ labels: ['x', 'y'], assigneeId: null }, { root: 'task', items: { labels: 'label' } });
    expect(xml).toContain('<labels><label>x</label><label>y</label></labels><assigneeId/>');
  });

  it('escapes markup and replaces characters XML 1.0 cannot carry', () => {
    const xml = toXml({ title: '<script>&"\'\u0000' }, { root: 'task' });
    expect(xml).toContain('<title>&lt;script&gt;&amp;&quot;&apos;\uFFFD</title>');
  });
});
