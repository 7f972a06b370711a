import { createHash } from 'node:crypto';
import type { FlagDefinition } from '../definitions/flag-definition.js';

/** Why a flag answered what it did (OpenFeature's standard resolution reasons). */
export type FlagReason = 'TARGETING_MATCH' | 'DISABLED' | 'SPLIT' | 'STATIC';

export interface FlagOutcome {
  on: boolean;
  reason: FlagReason;
}

/**
 * The workspace's stable bucket for a flag, 0–99: the same workspace lands in the same bucket
 * on every instance and every restart, and raising the percentage only adds workspaces. The key
 * is part of the hash so that two flags at 10 % do not pick the same 10 % of workspaces.
 */
export function rolloutBucket(key: string, workspaceId: string): number {
  return createHash('sha256').update(`${key}\u0000${workspaceId}`).digest().readUInt32BE(0) % 100;
}

/**
 * The evaluation order: listed in `workspaceIds` → on; else `enabled` false → off; else a
 * `rolloutPercent` → on for the workspaces whose bucket is below it; else on. Without a
 * workspace (an evaluation outside any workspace) neither the list nor a partial rollout can
 * apply: such a flag is on only when enabled with no rollout limit (or 100 %).
 */
export function evaluateFlag(flag: FlagDefinition, workspaceId: string | undefined): FlagOutcome {
  if (workspaceId !== undefined && flag.workspaceIds.includes(workspaceId)) {
    return { on: true, reason: 'TARGETING_MATCH' };
  }
  if (!flag.enabled) return { on: false, reason: 'DISABLED' };
  const percent = flag.rolloutPercent;
  if (percent === null) return { on: true, reason: 'STATIC' };
  if (percent >= 100) return { on: true, reason: 'SPLIT' };
  if (workspaceId === undefined || percent <= 0) return { on: false, reason: 'SPLIT' };
  return { on: rolloutBucket(flag.key, workspaceId) < percent, reason: 'SPLIT' };
}
