import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_ALERT_REASON, ATTR_FINGERPRINT, ATTR_GROUP_COUNT, ATTR_SUPPRESSED } from '../../model/attributes.ts';
import { bodyText, PipelineRecord } from '../../model/record.ts';
import type { Counter, Telemetry } from '../../model/telemetry.ts';

/** On a summary record: `group` (one group's per-group limit) or `global` (the overall limit). */
export const ATTR_SUPPRESSED_SCOPE = 'unitrack.suppressed.scope';

export interface Limit {
  /** Records let through per window; 0 turns the limit off. */
  limit: number;
  /** Window length in milliseconds. */
  window: number;
}

export interface RateLimiterOptions {
  perGroup: Limit;
  global: Limit;
  /** Groups tracked at once; the least recently seen is evicted (its pending count summarized first). */
  maxGroups: number;
  id?: string;
  telemetry: Telemetry;
  /** Clock in milliseconds; tests pass their own. Default Date.now. */
  now?: () => number;
  /** How often ended windows are summarized without waiting for the next record. Default min(windows, 1 s). */
  sweepIntervalMs?: number;
}

interface Window {
  start: number;
  count: number;
  dropped: number;
  /** The last dropped record: the summary is a copy of it. */
  last: ReadWriteLogRecord | undefined;
}

interface Group extends Window {
  readonly key: string;
  /** Recency list: least recently seen at the head. */
  prev: Group | undefined;
  next: Group | undefined;
  /** List of groups holding drops not yet summarized (membership: dropped > 0). */
  pendPrev: Group | undefined;
  pendNext: Group | undefined;
}

const MAX_KEY = 512;

/**
 * Fixed-window limits per group (`unitrack.fingerprint`, else the event name, else the body) and
 * overall. Alerts are never limited. Nothing is lost silently: a window that dropped records ends
 * with one summary record carrying `unitrack.suppressed`, the exact number dropped: per group for
 * the per-group limit, one overall for the global limit. Summaries go out when a later record
 * finds the window over, from an unref'd sweep timer, on eviction, and on forceFlush/shutdown.
 */
export class RateLimiterProcessor implements LogRecordProcessor {
  readonly #next: LogRecordProcessor;
  readonly #perGroup: Limit;
  readonly #globalLimit: Limit;
  readonly #maxGroups: number;
  readonly #now: () => number;
  readonly #groups = new Map<string, Group>();
  /** Least and most recently seen groups (an intrusive list: touching and evicting are O(1)). */
  #oldest: Group | undefined;
  #newest: Group | undefined;
  /** Head of the groups holding a dropped count not yet summarized. */
  #pending: Group | undefined;
  readonly #global: Window = { start: 0, count: 0, dropped: 0, last: undefined };
  readonly #timer: NodeJS.Timeout;
  readonly #droppedGroup: Counter;
  readonly #droppedGlobal: Counter;
  readonly #passed: Counter;
  readonly #summaries: Counter;
  readonly #evicted: Counter;

  constructor(next: LogRecordProcessor, options: RateLimiterOptions) {
    this.#next = next;
    this.#perGroup = options.perGroup;
    this.#globalLimit = options.global;
    this.#maxGroups = Math.max(1, options.maxGroups);
    this.#now = options.now ?? Date.now;
    const t = options.telemetry;
    const processor = options.id ?? 'rate_limiter';
    const help = 'Records the rate limiter dropped (each is counted again in a summary record).';
    this.#droppedGroup = t.counter('unitrack_rate_limiter_dropped_total', help, { processor, limit: 'per_group' });
    this.#droppedGlobal = t.counter('unitrack_rate_limiter_dropped_total', help, { processor, limit: 'global' });
    this.#passed = t.counter('unitrack_rate_limiter_passed_total', 'Records the rate limiter let through.', { processor });
    this.#summaries = t.counter('unitrack_rate_limiter_summaries_total', 'Summary records emitted for suppressed records.', { processor });
    this.#evicted = t.counter('unitrack_rate_limiter_evicted_total', 'Groups evicted to keep memory bounded.', { processor });
    t.gauge('unitrack_rate_limiter_groups', 'Groups the rate limiter tracks.', () => this.#groups.size, { processor });
    const sweep = options.sweepIntervalMs ?? Math.max(10, Math.min(1000, options.perGroup.window, options.global.window));
    this.#timer = setInterval(() => this.#sweep(), sweep);
    this.#timer.unref();
  }

  /** Groups currently tracked (bounded by maxGroups). */
  get size(): number {
    return this.#groups.size;
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (record.attributes[ATTR_ALERT_REASON] !== undefined) {
      this.#passed.add();
      this.#next.onEmit(record);
      return;
    }
    const now = this.#now();
    const global = this.#global;
    const gl = this.#globalLimit;
    if (now - global.start >= gl.window) {
      if (global.dropped > 0) this.#summarize(global, 'global', gl);
      global.start = now;
      global.count = 0;
    }

    const pl = this.#perGroup;
    let group: Group | undefined;
    if (pl.limit > 0) {
      const key = groupKey(record);
      group = this.#groups.get(key);
      if (group) {
        this.#touch(group);
        if (now - group.start >= pl.window) {
          if (group.dropped > 0) this.#summarizeGroup(group);
          group.start = now;
          group.count = 0;
        }
      } else {
        group = {
          key,
          start: now,
          count: 0,
          dropped: 0,
          last: undefined,
          prev: undefined,
          next: undefined,
          pendPrev: undefined,
          pendNext: undefined,
        };
        this.#groups.set(key, group);
        this.#append(group);
        if (this.#groups.size > this.#maxGroups) this.#evictOldest();
      }
      if (group.count >= pl.limit) {
        if (group.dropped++ === 0) {
          group.pendNext = this.#pending;
          if (this.#pending) this.#pending.pendPrev = group;
          this.#pending = group;
        }
        group.last = record;
        this.#droppedGroup.add();
        return;
      }
    }
    if (gl.limit > 0 && global.count >= gl.limit) {
      global.dropped++;
      global.last = record;
      this.#droppedGlobal.add();
      return;
    }
    if (group) group.count++;
    global.count++;
    this.#passed.add();
    this.#next.onEmit(record);
  }

  #append(g: Group): void {
    g.prev = this.#newest;
    g.next = undefined;
    if (this.#newest) this.#newest.next = g;
    else this.#oldest = g;
    this.#newest = g;
  }

  #unlink(g: Group): void {
    if (g.prev) g.prev.next = g.next;
    else this.#oldest = g.next;
    if (g.next) g.next.prev = g.prev;
    else this.#newest = g.prev;
    g.prev = g.next = undefined;
  }

  #touch(g: Group): void {
    if (this.#newest === g) return;
    this.#unlink(g);
    this.#append(g);
  }

  #evictOldest(): void {
    this.#forgetOldest();
    this.#evicted.add();
  }

  /** Takes the least recently seen group out of the table, its drops summarized first. */
  #forgetOldest(): void {
    const oldest = this.#oldest as Group;
    if (oldest.dropped > 0) this.#summarizeGroup(oldest);
    this.#unlink(oldest);
    this.#groups.delete(oldest.key);
  }

  #summarizeGroup(group: Group): void {
    if (group.pendPrev) group.pendPrev.pendNext = group.pendNext;
    else this.#pending = group.pendNext;
    if (group.pendNext) group.pendNext.pendPrev = group.pendPrev;
    group.pendPrev = group.pendNext = undefined;
    this.#summarize(group, 'group', this.#perGroup);
  }

  /** Emits one summary for a window's drops and zeroes them (the window's pass count stays). */
  #summarize(w: Window, scope: 'group' | 'global', limit: Limit): void {
    const last = w.last as ReadWriteLogRecord;
    const n = w.dropped;
    w.dropped = 0;
    w.last = undefined;
    const summary = last instanceof PipelineRecord ? last.clone() : PipelineRecord.from(last);
    const ms = this.#now();
    summary.hrTime = [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
    summary.hrTimeObserved = summary.hrTime;
    summary.setAttribute(ATTR_SUPPRESSED, n);
    summary.setAttribute(ATTR_SUPPRESSED_SCOPE, scope);
    const rule = `${scope === 'group' ? 'per-group' : 'global'} limit ${limit.limit} per ${formatWindow(limit.window)}`;
    if (scope === 'global') {
      // Records of many groups: the copy of the last one must not count as that group's.
      summary.setAttribute(ATTR_FINGERPRINT, undefined);
      summary.setAttribute(ATTR_GROUP_COUNT, undefined);
      summary.setBody(`${n} records suppressed by the rate limiter (${rule}); the last: ${bodyText(last)}`);
    } else {
      summary.setBody(`${n} more records of this group suppressed by the rate limiter (${rule}); the last: ${bodyText(last)}`);
    }
    this.#summaries.add();
    this.#next.onEmit(summary);
  }

  /**
   * Summarizes windows that have ended, without waiting for the group's next record, and forgets
   * the least recently seen groups whose window has ended: such a group holds nothing its next
   * record would not start afresh, so the table holds about one window of groups, not `maxGroups`.
   */
  #sweep(): void {
    const now = this.#now();
    for (let group = this.#pending; group; ) {
      const next = group.pendNext;
      if (now - group.start >= this.#perGroup.window) this.#summarizeGroup(group);
      group = next;
    }
    while (this.#oldest && now - this.#oldest.start >= this.#perGroup.window) this.#forgetOldest();
    const g = this.#global;
    if (g.dropped > 0 && now - g.start >= this.#globalLimit.window) this.#summarize(g, 'global', this.#globalLimit);
  }

  /** Summarizes every pending drop now; the windows themselves go on. */
  #summarizeAll(): void {
    while (this.#pending) this.#summarizeGroup(this.#pending);
    if (this.#global.dropped > 0) this.#summarize(this.#global, 'global', this.#globalLimit);
  }

  async forceFlush(): Promise<void> {
    this.#summarizeAll();
    await this.#next.forceFlush();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.#timer);
    this.#summarizeAll();
  }
}

function groupKey(record: ReadWriteLogRecord): string {
  const fp = record.attributes[ATTR_FINGERPRINT];
  if (typeof fp === 'string' && fp !== '') return fp.length > MAX_KEY ? fp.slice(0, MAX_KEY) : fp;
  if (record.eventName) return `event:${record.eventName.slice(0, MAX_KEY)}`;
  return `body:${bodyText(record).slice(0, MAX_KEY)}`;
}

function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
