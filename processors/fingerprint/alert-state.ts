import type { GroupRuleState } from './alert-rules.ts';

/**
 * A group's alert state, in memory only (a restart starts every clock and window afresh). Each
 * reason and each rule keeps its own clock, as Sentry's per-rule action interval: one reason
 * firing does not silence another.
 */
export interface AlertState {
  /** When each clock last fired: a built-in reason's name, or `rule:<name>`. */
  last: Map<string, number>;
  /** When any alert of the group last fired: the `severity` reminder waits a cooldown after it. */
  lastAny: number;
  windowStart: number;
  windowCount: number;
  userWindowStart: number;
  userWindow: Set<string>;
  /** Each group rule's windows for this group, by rule name (made when a rule first counts one of its events). */
  rules?: Map<string, GroupRuleState>;
}

export function newAlertState(): AlertState {
  return {
    last: new Map(),
    lastAny: Number.NEGATIVE_INFINITY,
    windowStart: 0,
    windowCount: 0,
    userWindowStart: 0,
    userWindow: new Set(),
  };
}
