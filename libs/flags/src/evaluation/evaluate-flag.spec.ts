import { describe, expect, it } from '@jest/globals';
import { newId } from '@groundwork/platform';
import { builtInDefinition, type FlagDefinition } from '../definitions/flag-definition.js';
import { evaluateFlag, rolloutBucket } from './evaluate-flag.js';

function flag(overrides: Partial<FlagDefinition>): FlagDefinition {
  return { ...builtInDefinition('search'), key: 'beta.board', builtIn: false, ...overrides };
}

describe('evaluateFlag (the evaluation order)', () => {
  const listed = newId();
  const other = newId();

  it('turns the flag on for a listed workspace, even when disabled or rolled out to nobody', () => {
    expect(evaluateFlag(flag({ enabled: false, workspaceIds: [listed] }), listed)).toEqual({
      on: true,
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(flag({ rolloutPercent: 0, workspaceIds: [listed] }), listed).on).toBe(true);
  });

  it('is off for every other workspace when disabled', () => {
    expect(evaluateFlag(flag({ enabled: false, workspaceIds: [listed] }), other)).toEqual({
      on: false,
      reason: 'DISABLED',
    });
  });

  it('is on for everyone when enabled with no rollout limit', () => {
    expect(evaluateFlag(flag({ enabled: true }), other)).toEqual({ on: true, reason: 'STATIC' });
    expect(evaluateFlag(flag({ enabled: true }), undefined).on).toBe(true);
  });

  it('rolls out to the workspaces whose stable bucket is below the percentage', () => {
    const workspaces = Array.from({ length: 2000 }, () => newId());
    const at = (percent: number) =>
      new Set(workspaces.filter((id) => evaluateFlag(flag({ rolloutPercent: percent }), id).on));
    const ten = at(10);
    const fifty = at(50);
    // Roughly the share asked for (2000 draws: well within ±5 points)...
    expect(ten.size / workspaces.length).toBeGreaterThan(0.05);
    expect(ten.size / workspaces.length).toBeLessThan(0.15);
    expect(fifty.size / workspaces.length).toBeGreaterThan(0.45);
    expect(fifty.size / workspaces.length).toBeLessThan(0.55);
    // ...and raising the percentage only adds workspaces.
    expect([...ten].every((id) => fifty.has(id))).toBe(true);
    expect(at(0).size).toBe(0);
    expect(at(100).size).toBe(workspaces.length);
  });

  it('buckets a workspace the same way every time, and differently per flag', () => {
    const id = newId();
    expect(rolloutBucket('a.flag', id)).toBe(rolloutBucket('a.flag', id));
    const workspaces = Array.from({ length: 200 }, () => newId());
    const same = workspaces.filter((w) => rolloutBucket('a.flag', w) === rolloutBucket('b.flag', w));
    expect(same.length).toBeLessThan(20);
  });

  it('keeps a partial rollout off without a workspace to bucket', () => {
    expect(evaluateFlag(flag({ rolloutPercent: 50 }), undefined)).toEqual({ on: false, reason: 'SPLIT' });
    expect(evaluateFlag(flag({ rolloutPercent: 100 }), undefined).on).toBe(true);
  });
});
