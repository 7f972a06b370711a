import { describe, expect, it } from '@jest/globals';
import { jsonBodyProblem, MAX_JSON_BODY_DEPTH } from './json-body-shape.middleware.js';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

describe('jsonBodyProblem', () => {
  it('accepts ordinary bodies, emoji included', () => {
    expect(jsonBodyProblem({ name: '😀 Acme', labels: ['a', 'b'], nested: { deep: [1, null, true] } })).toBeUndefined();
    expect(jsonBodyProblem(nested(MAX_JSON_BODY_DEPTH))).toBeUndefined();
  });

  it('refuses nesting deeper than the limit, however deep, without recursion', () => {
    expect(jsonBodyProblem(nested(MAX_JSON_BODY_DEPTH + 1))).toMatch(/nested deeper/);
    expect(jsonBodyProblem(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toMatch(/nested deeper/);
  });

  it('refuses lone surrogates in values and keys', () => {
    expect(jsonBodyProblem({ email: 'a\ud800@example.com' })).toMatch(/Unicode/);
    expect(jsonBodyProblem(JSON.parse('{"\\udc00": 1}'))).toMatch(/Unicode/);
  });

  it('refuses keys that only ever target a prototype', () => {
    expect(jsonBodyProblem(JSON.parse('{"__proto__": {"isAdmin": true}}'))).toMatch(/__proto__/);
    expect(jsonBodyProblem({ a: [{ constructor: { prototype: {} } }] })).toMatch(/constructor/);
  });
});
