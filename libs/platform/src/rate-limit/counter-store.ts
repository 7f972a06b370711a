/** One counting window of one key, as a store reports it after an operation. */
export interface WindowCount {
  /** Hits counted in the current window (0 when none is open). */
  count: number;
  /** Milliseconds until the window closes and the count starts again from 0 (0 when none is open). */
  resetMs: number;
  /** Whether this operation added a hit (false when the limit was already reached). */
  added: boolean;
}

/**
 * The largest limit a store accepts: "count without a limit" (failures are always recorded).
 * Lua numbers are doubles, so it survives the trip to Redis exactly.
 */
export const UNLIMITED = Number.MAX_SAFE_INTEGER;
