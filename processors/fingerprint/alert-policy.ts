import { SEVERITIES, type Severity } from '../../model/severity.ts';
import {
  type AlertRule,
  checkStreamRule,
  countGroupRule,
  matches,
  newGroupRuleState,
  type RuleEvent,
  StreamRuleState,
} from './alert-rules.ts';
import type { AlertState } from './alert-state.ts';
import type { Group } from './group-store.ts';
import { ReleaseOrder } from './release-order.ts';

export type AlertReason = 'regression' | 'escalating' | 'new_group' | 'threshold' | 'window' | 'users' | 'severity' | 'rule';

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
  /**
   * Each built-in reason fires at most once per group per interval, on its own clock (new groups
   * and regressions excepted); `severity` also waits this long after any alert of the group.
   */
  cooldownMs: number;
  /** Configured rules, tried in order before the built-in reasons, each on its own clock (absent: none). */
  rules?: readonly AlertRule[];
}

export interface AlertDecision {
  reason: AlertReason;
  detail?: string;
  /** The rule's name, for reason `rule`. */
  rule?: string;
}

/** What the policy is told of one event, after its group counted it. */
export interface AlertEvent extends RuleEvent {
  severity: Severity;
  /** This event reached its ignored group's ignore-until condition (the group is unresolved again). */
  escalated?: boolean;
}

/** No rule holds: most configs have none, and their events allocate nothing for rules. */
const NONE_HELD: readonly never[] = [];

/**
 * Decides whether an event raises an alert for its group. Called after the group has counted
 * the event. Windowed counts reset with each window, so a threshold does not fire on every event
 * past it; the cooldown (Sentry's action interval) keeps one storm from paging many times. Each
 * reason has its own clock (a new-group alert does not hold back the threshold at 10); `severity`
 * is the reminder that a group still fails, so any alert of the group winds its clock too.
 */
export class AlertPolicy {
  readonly #o: AlertPolicyOptions;
  readonly #rules: readonly AlertRule[];
  /** The windows and clocks of the rules over the whole stream (a group rule's are on each group). */
  readonly #stream = new Map<AlertRule, StreamRuleState>();
  readonly #releases: ReleaseOrder;

  /** `releases`: the group store's order of releases (kept in its file); a fresh one otherwise. */
  constructor(options: AlertPolicyOptions, releases = new ReleaseOrder()) {
    this.#o = options;
    this.#releases = releases;
    this.#rules = options.rules ?? [];
    for (const rule of this.#rules) if (rule.scope === 'all') this.#stream.set(rule, new StreamRuleState(rule));
  }

  /**
   * Records the event's release (first sight orders releases that are not semver) and says whether
   * the event reopens its resolved group: not when it comes from a release older than the fix. A
   * release it cannot order (no version, or the fix's release not in the order) reopens it.
   */
  isRegression(group: Group | undefined, version: string | undefined): boolean {
    if (version) this.#releases.see(version);
    if (group?.status !== 'resolved') return false;
    if (!version || !group.resolvedInVersion) return true;
    const cmp = this.#releases.compare(version, group.resolvedInVersion);
    return cmp === undefined || cmp >= 0;
  }

  decide(group: Group, e: AlertEvent): AlertDecision | undefined {
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
    // Rules count the events their condition matches, alert or not.
    const held = this.#countRules(group, e);
    if (group.status === 'ignored') return undefined;
    // The floor of every reason: windows and counts above went on, no alert is raised.
    if (o.minSeverity && SEVERITIES.indexOf(e.severity) < SEVERITIES.indexOf(o.minSeverity)) return undefined;
    // One alert a record: the first rule that fires, else the first reason, each on its own clock.
    for (const h of held) {
      const fired =
        h.rule.scope === 'all'
          ? this.#fireStream(h.rule, e.time, h.detail)
          : this.#fire(a, e.time, h.decision, h.rule.actionIntervalMs, `rule:${h.rule.name}`);
      if (fired) return fired;
    }
    if (e.escalated) return this.#fire(a, e.time, { reason: 'escalating' }, 0);
    if (e.regressed && o.regression) return this.#fire(a, e.time, { reason: 'regression' }, 0);
    if (e.isNew && o.newGroup) return this.#fire(a, e.time, { reason: 'new_group' }, 0);
    const cooldown = o.cooldownMs;
    const fired =
      (o.thresholds.includes(group.count) && this.#fire(a, e.time, { reason: 'threshold', detail: String(group.count) }, cooldown)) ||
      (o.window.count > 0 &&
        a.windowCount === o.window.count + 1 &&
        this.#fire(a, e.time, { reason: 'window', detail: `${a.windowCount} events in ${o.window.intervalMs / 1000}s` }, cooldown)) ||
      (usersCrossed &&
        this.#fire(a, e.time, { reason: 'users', detail: `${o.users.count + 1} users in ${o.users.intervalMs / 1000}s` }, cooldown));
    if (fired) return fired;
    if (o.severity && o.minSeverity && e.time - a.lastAny >= cooldown)
      return this.#fire(a, e.time, { reason: 'severity', detail: e.severity }, cooldown);
    return undefined;
  }

  /** Counts the event into every rule whose condition it matches; returns the rules that hold for it, in order. */
  #countRules(group: Group, e: AlertEvent): readonly { rule: AlertRule; detail: string; decision: AlertDecision }[] {
    if (this.#rules.length === 0) return NONE_HELD;
    const held: { rule: AlertRule; detail: string; decision: AlertDecision }[] = [];
    for (const rule of this.#rules) {
      if (!matches(rule, e)) continue;
      let detail: string | undefined;
      const stream = this.#stream.get(rule);
      if (stream) {
        stream.add(e);
        detail = checkStreamRule(rule, stream, e);
      } else {
        const states = (group.alert.rules ??= new Map());
        let s = states.get(rule.name);
        if (!s) states.set(rule.name, (s = newGroupRuleState()));
        detail = countGroupRule(rule, s, e);
      }
      if (detail !== undefined) held.push({ rule, detail, decision: { reason: 'rule', rule: rule.name, detail } });
    }
    return held;
  }

  /** A stream rule fires at most once per action interval over the whole stream. */
  #fireStream(rule: AlertRule, time: number, detail: string): AlertDecision | undefined {
    const s = this.#stream.get(rule) as StreamRuleState;
    if (time - s.lastAt < rule.actionIntervalMs) return undefined;
    s.lastAt = time;
    return { reason: 'rule', rule: rule.name, detail };
  }

  /** Raises the decision unless its clock fired within `intervalMs`; winds the clock. */
  #fire(
    a: AlertState,
    time: number,
    decision: AlertDecision,
    intervalMs: number,
    clock: string = decision.reason,
  ): AlertDecision | undefined {
    if (intervalMs > 0 && time - (a.last.get(clock) ?? Number.NEGATIVE_INFINITY) < intervalMs) return undefined;
    a.last.set(clock, time);
    a.lastAny = time;
    return decision;
  }
}
