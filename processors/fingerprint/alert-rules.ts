/**
 * Configured alert rules (`alerts.rules`). A rule fires when every condition it gives holds at once,
 * at most once per action interval: per group (`scope: group`, the default) or over the whole
 * stream (`scope: all`). Windows are tumbling, as the built-in reasons': one starts with the first
 * counted event after the last one ended.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Predicate } from '../../model/ottl/ottl-evaluator.ts';

export interface Windowed {
  count: number;
  intervalMs: number;
}

export interface AlertRule {
  name: string;
  /** `group`: conditions and clock per group; `all`: over every event the processor sees. */
  scope: 'group' | 'all';
  /** OTTL condition, log context: only the events it matches count and fire. */
  match?: Predicate;
  /** At least `count` matching events (of the group, or of the stream) inside the window. */
  events?: Windowed;
  /** At least `count` distinct users among the group's matching events inside the window. */
  users?: Windowed;
  /** Only on a group's first event. */
  newGroup: boolean;
  /** Only on the event that reopens a resolved group. */
  regression: boolean;
  /** Stream only: errors ÷ events over the last window above this, once a whole window was seen. */
  errorRate?: { above: number; intervalMs: number };
  actionIntervalMs: number;
}

/** What a rule sees of one event. */
export interface RuleEvent {
  record?: ReadableLogRecord;
  isNew: boolean;
  regressed: boolean;
  /** An exception, or severity high or above (the group store's errors); absent: not an error. */
  isError?: boolean;
  user?: string;
  time: number;
}

/** A group rule's windows for one group (in the group's alert state). */
export interface GroupRuleState {
  eventsStart: number;
  events: number;
  usersStart: number;
  users: Set<string>;
}

/** Whether the record passes the rule's condition (no condition: every record). */
export function matches(rule: AlertRule, e: RuleEvent): boolean {
  return !rule.match || (e.record !== undefined && rule.match(e.record));
}

/** Counts a matching event into a group rule's windows; returns what the rule says of it (undefined: it does not hold). */
export function countGroupRule(rule: AlertRule, s: GroupRuleState, e: RuleEvent): string | undefined {
  if (rule.events) {
    if (e.time - s.eventsStart >= rule.events.intervalMs) {
      s.eventsStart = e.time;
      s.events = 0;
    }
    s.events++;
  }
  if (rule.users && e.user) {
    if (e.time - s.usersStart >= rule.users.intervalMs) {
      s.usersStart = e.time;
      s.users = new Set();
    }
    // No more users than the rule needs are held.
    if (s.users.size < rule.users.count) s.users.add(e.user);
  }
  if (rule.events && s.events < rule.events.count) return undefined;
  if (rule.users && s.users.size < rule.users.count) return undefined;
  if (rule.newGroup && !e.isNew) return undefined;
  if (rule.regression && !e.regressed) return undefined;
  const said: string[] = [];
  if (rule.events) said.push(`${s.events} events in ${rule.events.intervalMs / 1000}s`);
  if (rule.users) said.push(`${s.users.size} users in ${rule.users.intervalMs / 1000}s`);
  if (rule.newGroup) said.push('new group');
  if (rule.regression) said.push('regression');
  return said.join(', ') || 'matched';
}

export function newGroupRuleState(): GroupRuleState {
  return { eventsStart: Number.NEGATIVE_INFINITY, events: 0, usersStart: Number.NEGATIVE_INFINITY, users: new Set() };
}

/** Buckets a window is counted in: memory and the cost of a sum stay fixed whatever the rate. */
const BUCKETS = 60;

/**
 * Counts over a sliding window: events and errors in BUCKETS buckets of window/BUCKETS, so "the
 * last window" slides by one bucket.
 */
export class StreamWindow {
  readonly #bucketMs: number;
  readonly #windowMs: number;
  readonly #ids = new Float64Array(BUCKETS).fill(Number.NaN);
  readonly #events = new Float64Array(BUCKETS);
  readonly #errors = new Float64Array(BUCKETS);
  #first = Number.POSITIVE_INFINITY;
  #newest = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
    this.#bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  }

  add(time: number, isError: boolean): void {
    const b = Math.floor(time / this.#bucketMs);
    if (b <= this.#newest - BUCKETS) return; // older than the window: nothing to count it in
    const slot = ((b % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.#ids[slot] !== b) {
      this.#ids[slot] = b;
      this.#events[slot] = 0;
      this.#errors[slot] = 0;
    }
    this.#events[slot]++;
    if (isError) this.#errors[slot]++;
    if (b > this.#newest) this.#newest = b;
    if (time < this.#first) this.#first = time;
  }

  /** Events and errors in the window ending at `time`. */
  totals(time: number): { events: number; errors: number } {
    const b = Math.floor(time / this.#bucketMs);
    let events = 0;
    let errors = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const id = this.#ids[i];
      if (id > b - BUCKETS && id <= b) {
        events += this.#events[i];
        errors += this.#errors[i];
      }
    }
    return { events, errors };
  }

  /** Whether a whole window has been counted by `time` (a rate over the first few events says little). */
  covers(time: number): boolean {
    return time - this.#first >= this.#windowMs;
  }
}

/** A stream rule's state: its windows (counted for every matching event, before any sampling) and its clock. */
export class StreamRuleState {
  readonly rate: StreamWindow | undefined;
  readonly events: StreamWindow | undefined;
  /** When the rule last fired. */
  lastAt = Number.NEGATIVE_INFINITY;

  constructor(rule: AlertRule) {
    this.rate = rule.errorRate ? new StreamWindow(rule.errorRate.intervalMs) : undefined;
    this.events = rule.events ? new StreamWindow(rule.events.intervalMs) : undefined;
  }

  add(e: RuleEvent): void {
    this.rate?.add(e.time, e.isError === true);
    this.events?.add(e.time, e.isError === true);
  }
}

/** What a stream rule says of a matching event it has counted (undefined: it does not hold). */
export function checkStreamRule(rule: AlertRule, s: StreamRuleState, e: RuleEvent): string | undefined {
  const said: string[] = [];
  if (rule.errorRate && s.rate) {
    // The rate is carried by an error: an event that is not one cannot have pushed it over.
    if (!e.isError || !s.rate.covers(e.time)) return undefined;
    const { events, errors } = s.rate.totals(e.time);
    const rate = events > 0 ? errors / events : 0;
    if (rate <= rule.errorRate.above) return undefined;
    said.push(`error rate ${rate.toFixed(3)} (${errors}/${events}) in ${rule.errorRate.intervalMs / 1000}s`);
  }
  if (rule.events && s.events) {
    const { events } = s.events.totals(e.time);
    if (events < rule.events.count) return undefined;
    said.push(`${events} events in ${rule.events.intervalMs / 1000}s`);
  }
  return said.join(', ');
}
