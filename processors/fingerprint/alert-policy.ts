import { SEVERITIES, type Severity } from '../../model/severity.ts';
import type { Group } from './group-store.ts';

export type AlertReason = 'regression' | 'new_group' | 'threshold' | 'window' | 'users' | 'severity';

export interface AlertPolicyOptions {
  /** Alert on a group's first event. */
  newGroup: boolean;
  /** Alert when a group's count reaches each of these. */
  thresholds: readonly number[];
  /** Alert when more than `count` events of a group arrive inside `intervalMs` (0 turns it off). */
  window: { count: number; intervalMs: number };
  /** Alert when more than `count` distinct users are affected inside `intervalMs` (0 turns it off). */
  users: { count: number; intervalMs: number };
  /** Alert when a resolved group is seen again (not from an older release). */
  regression: boolean;
  /**
   * The floor of every reason: an event below it raises no alert (its group is still counted).
   * Undefined: no floor.
   */
  minSeverity?: Severity;
  /** Alert on each event at or above the floor (reason `severity`, on the cooldown); never without a floor. */
  severity: boolean;
  /** A group alerts at most once per interval (new groups and regressions excepted). */
  cooldownMs: number;
}

export interface AlertDecision {
  reason: AlertReason;
  detail?: string;
}

/** Compares dotted versions numerically ("1.10.0" > "1.9.3"); undefined when either does not parse. */
export function compareVersions(a: string, b: string): number | undefined {
  const pa = /^v?(\d+(?:\.\d+)*)/.exec(a)?.[1]?.split('.').map(Number);
  const pb = /^v?(\d+(?:\.\d+)*)/.exec(b)?.[1]?.split('.').map(Number);
  if (!pa || !pb) return undefined;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * Decides whether an event raises an alert for its group. Called after the group has counted
 * the event. Windowed counts reset with each window, so a threshold does not fire on every event
 * past it; the cooldown (Sentry's action interval) keeps one storm from paging many times.
 */
export class AlertPolicy {
  readonly #o: AlertPolicyOptions;

  constructor(options: AlertPolicyOptions) {
    this.#o = options;
  }

  /** Whether an event of a resolved group reopens it: not when it comes from an older release than the fix. */
  isRegression(group: Group, version: string | undefined): boolean {
    if (group.status !== 'resolved') return false;
    if (!version || !group.resolvedInVersion) return true;
    const cmp = compareVersions(version, group.resolvedInVersion);
    return cmp === undefined || cmp >= 0;
  }

  decide(
    group: Group,
    e: { isNew: boolean; regressed: boolean; severity: Severity; user?: string; time: number },
  ): AlertDecision | undefined {
    const o = this.#o;
    const a = group.alert;
    // Windows count every event, alert or not.
    if (o.window.count > 0) {
      if (e.time - a.windowStart >= o.window.intervalMs) {
        a.windowStart = e.time;
        a.windowCount = 0;
      }
      a.windowCount++;
    }
    let usersCrossed = false;
    if (o.users.count > 0 && e.user) {
      if (e.time - a.userWindowStart >= o.users.intervalMs) {
        a.userWindowStart = e.time;
        a.userWindow = new Set();
      }
      if (a.userWindow.size <= o.users.count) {
        const before = a.userWindow.size;
        a.userWindow.add(e.user);
        usersCrossed = before === o.users.count && a.userWindow.size === o.users.count + 1;
      }
    }
    if (group.status === 'ignored') return undefined;
    // The floor of every reason: windows and counts above went on, no alert is raised.
    if (o.minSeverity && SEVERITIES.indexOf(e.severity) < SEVERITIES.indexOf(o.minSeverity)) return undefined;
    if (e.regressed && o.regression) return this.#fire(group, e.time, { reason: 'regression' }, true);
    if (e.isNew && o.newGroup) return this.#fire(group, e.time, { reason: 'new_group' }, true);
    if (o.thresholds.includes(group.count)) return this.#fire(group, e.time, { reason: 'threshold', detail: String(group.count) });
    if (o.window.count > 0 && a.windowCount === o.window.count + 1) {
      return this.#fire(group, e.time, { reason: 'window', detail: `${a.windowCount} events in ${o.window.intervalMs / 1000}s` });
    }
    if (usersCrossed)
      return this.#fire(group, e.time, { reason: 'users', detail: `${o.users.count + 1} users in ${o.users.intervalMs / 1000}s` });
    if (o.severity && o.minSeverity) return this.#fire(group, e.time, { reason: 'severity', detail: e.severity });
    return undefined;
  }

  #fire(group: Group, time: number, decision: AlertDecision, always = false): AlertDecision | undefined {
    if (!always && time - group.alert.lastAt < this.#o.cooldownMs) return undefined;
    group.alert.lastAt = time;
    return decision;
  }
}
