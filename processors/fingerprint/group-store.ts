import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { diag } from '@opentelemetry/api';
import type { GroupReader, GroupStatus, GroupStoreStats, GroupTagKey, IgnoreCondition } from '../../model/groups.ts';
import { GROUP_TAG_KEYS } from '../../model/groups.ts';
import { SEVERITIES, type Severity } from '../../model/severity.ts';
import { openDatabase } from '../../pipeline/start-up.ts';
import { type AlertState, newAlertState } from './alert-state.ts';
import { BloomFilter } from './bloom-filter.ts';
import { FlushedReads } from './flushed-reads.ts';
import { GroupQueries } from './group-queries.ts';
import {
  createSchema,
  deleteAll,
  deleteBefore,
  FIRST_EVENT_SLOT,
  type IgnoreTargets,
  ignoreTargets,
  MAX_TAG_VALUES,
  MINUTE,
  OTHER_TAG,
  RECENT_EVENTS,
  slotOf,
} from './group-schema.ts';
import { CONNECTION_PRAGMAS, type WriteBatch } from './group-writer.ts';
import { GroupWriterChannel } from './group-writer-channel.ts';
import { MAX_RELEASES, ReleaseOrder, type ReleaseSeen } from './release-order.ts';
import { addTagCount, type TagCount } from './tag-rows.ts';
import { UserCounter } from './user-counter.ts';

export type { DashboardMetrics, GroupDetail, GroupListOptions, GroupStatus, GroupSummary } from '../../model/groups.ts';

/** Per-minute history kept for trends and metrics. */
const HISTORY_MS = 7 * 24 * 60 * MINUTE;
/** Fingerprints added to the on-disk filter after which a sweep rebuilds it (evicted groups pile up: it cannot delete). */
const FILTER_REBUILD_AFTER = 200_000;

/** What the fingerprint processor tells the store about one record. */
export interface Observation {
  fingerprint: string;
  title: string;
  type?: string;
  message: string;
  component?: string;
  category?: string;
  severity: Severity;
  isError: boolean;
  user?: string;
  /** `service.version` of the emitting service, when known. */
  version?: string;
  /** `service.name` of the emitting service, when known. */
  service?: string;
  /** `deployment.environment.name` (or the older `deployment.environment`) of the emitting service, when known. */
  environment?: string;
  time: number;
  /** The event as shown to users; built only for the events a flush keeps (the last 10 of a group). */
  event: () => string;
}

/** A group in memory; the store's source of truth between flushes. */
export interface Group {
  fingerprint: string;
  title: string;
  type?: string;
  message: string;
  component?: string;
  category?: string;
  severity: Severity;
  count: number;
  firstSeen: number;
  lastSeen: number;
  status: GroupStatus;
  statusAt: number;
  /** When the group last opened (first seen, reopened, regressed): MTTR starts here. */
  openedAt: number;
  resolvedInVersion?: string;
  lastVersion?: string;
  users: UserCounter;
  /** While ignored until a condition: the count, distinct users and time (ms) at which the group reopens. */
  ignoreUntil?: IgnoreTargets;
  /** Alert state, kept in memory only. */
  alert: AlertState;
  /** Writes not yet flushed (the store's own bookkeeping). */
  pending?: PendingWrites;
}

/** A group's writes since the last flush, held on the group so a record costs no extra Map lookups. */
interface PendingWrites {
  /** The newest events since the last flush, at most 10; `seq` is the event's number in its group. */
  events: { seq: number; time: number; isError: boolean; event: () => string }[] | undefined;
  /** Events and errors counted in `minute`. */
  minute: number;
  count: number;
  errors: number;
  /** Position in the store's recency order when last moved to its end. */
  touched: number;
  /** The group's first event, when it opened since the last flush (kept apart from the ring: the issue page's "oldest"). */
  first?: { time: number; isError: boolean; event: () => string };
  /** Tag counts since the last flush, one run per GROUP_TAG_KEYS index (most groups see one value per key between flushes). */
  tags?: (TagRun | undefined)[];
}

/**
 * A key's counts since the last flush: its first value counted in place (no map on the common
 * path); any others in `more`, value → offset in `data` of its count, first and last time (plain
 * numbers: no object a value).
 */
interface TagRun extends TagCount {
  value: string;
  more?: Map<string, number>;
  data?: number[];
}

/** All required: the defaults live in the fingerprint processor's schema (groupStoreOptions() in fingerprint-factory.ts). */
export interface GroupStoreOptions {
  /** SQLite file, or `:memory:`. */
  path: string;
  /** Groups held in memory; the least recently seen are written out and dropped beyond this. */
  maxGroups: number;
  /** Groups unseen for this long are deleted. */
  groupTtlMs: number;
  /** Batched writes happen this often. */
  flushIntervalMs: number;
  /**
   * Where batches are written: `worker`, a thread that owns the write connection (commits never
   * stall ingest); `inline`, on this thread; `auto`, inline until batches get slow, then a worker
   * (embedded: an application's usual rate needs no thread, and a worker's isolate costs ~12 MB).
   * Default `worker`.
   */
  writer?: 'worker' | 'inline' | 'auto';
}

type Listener = (fingerprint: string, kind: 'new' | 'update' | 'status') => void;

/**
 * Groups, their counts, users, recent events and status history, in memory with SQLite behind
 * (node:sqlite). Writes are batched on a timer, off the processing path; reads flush first.
 */
export class GroupStore extends FlushedReads implements GroupReader {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #groups = new Map<string, Group>();
  readonly #maxGroups: number;
  readonly #ttl: number;
  readonly #dirty = new Set<string>();
  /** Events held by groups' pending writes (each group keeps its newest 10). */
  #pendingEventCount = 0;
  /** Minute counts of groups that moved to another minute since the last flush (the current minute stays on the group). */
  #pendingMinutes: { minute: number; fingerprint: string; count: number; errors: number }[] = [];
  /** Moves to the end of the recency order so far. */
  #touches = 0;
  readonly #pendingTotals = new Map<number, { events: number; errors: number }>();
  readonly #pendingUsers = new Map<string, number>();
  #pendingStatus: { fingerprint: string; status: GroupStatus; at: number; openedAt: number }[] = [];
  /** Releases first seen since the last flush: version, seq. */
  #pendingReleases: (string | number)[] = [];
  /** Alerts raised since the last flush: fingerprint, at, reason, rule, detail. */
  #pendingAlerts: (string | number | null)[] = [];
  /** Releases in the order first seen, kept in the file across restarts (regressions order non-semver versions by it). */
  readonly releases: ReleaseOrder;
  readonly #listeners = new Set<Listener>();
  readonly #timer: NodeJS.Timeout;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;
  totalEvents = 0;
  alertsTriggered = 0;
  processingNs = 0;
  readonly #s: { getGroup: StatementSync };
  protected readonly queries: GroupQueries;
  readonly #writer: GroupWriterChannel;
  /**
   * Groups evicted from memory whose rows are in a batch the worker may not have committed yet,
   * with that batch's number: looked up here first, so a look-up never waits for the writer.
   */
  #evicted = new Map<string, { group: Group; batch: number }>();
  /**
   * Fingerprints that may have a row on disk and no group in memory (those in the file at open,
   * and those evicted since): a fingerprint absent from memory and from this filter is a new
   * group, known without a SQLite lookup (a false positive costs one lookup).
   */
  #onDisk: BloomFilter;

  constructor(options: GroupStoreOptions) {
    super();
    this.path = options.path;
    this.#maxGroups = options.maxGroups;
    this.#ttl = options.groupTtlMs;
    // A directory or file that cannot be written, or a file that is not a database, throws a StartError naming the path.
    this.#db = openDatabase(options.path, 'the group store');
    this.#db.exec(CONNECTION_PRAGMAS);
    createSchema(this.#db);
    this.#s = { getGroup: this.#db.prepare('SELECT * FROM groups WHERE fingerprint = ?') };
    this.queries = new GroupQueries(this.#db, this.#s.getGroup);
    this.#writer = new GroupWriterChannel(options.path, this.#db, options.writer ?? 'worker');
    const known = this.#db.prepare(`SELECT version, seq FROM releases ORDER BY seq DESC LIMIT ${MAX_RELEASES}`).all();
    const seen = known.reverse().map((r): ReleaseSeen => ({ version: String(r.version), seq: Number(r.seq) }));
    this.releases = new ReleaseOrder(seen, (version, seq) => this.#pendingReleases.push(version, seq));
    this.#onDisk = new BloomFilter();
    for (const { fingerprint } of this.#db.prepare('SELECT fingerprint FROM groups').iterate() as Iterable<{ fingerprint: string }>)
      this.#onDisk.add(fingerprint);
    this.#timer = setInterval(() => this.#post(), options.flushIntervalMs).unref();
    this.#sweeper = setInterval(
      () =>
        this.sweep().catch((e: unknown) => diag.error(`unitrack: sweeping ${this.path}: ${e instanceof Error ? e.message : String(e)}`)),
      Math.min(this.#ttl, 60_000),
    ).unref();
  }

  /**
   * Counts one record into its group; returns the group, whether it is new, and whether this
   * record ended an ignore-until (the group is unresolved again: the event alerts `escalating`).
   */
  observe(o: Observation): { group: Group; isNew: boolean; escalated: boolean } {
    let group = this.#lookup(o.fingerprint);
    const isNew = !group;
    if (!group) {
      group = newGroup(o);
      // No status_changes row for the opening 'unresolved': it says nothing the group row's
      // first_seen does not, and get() puts it back at the head of the history.
    }
    this.#touch(group);
    countObservation(group, o);
    this.totalEvents++;
    this.#dirty.add(group.fingerprint);
    const escalated = ignoreReached(group, o.time);
    if (escalated) {
      // Off the processing path's waits: the status change goes with the next batch.
      reopenIgnored(group, o.time);
      this.#pendingStatus.push({ fingerprint: group.fingerprint, status: 'unresolved', at: o.time, openedAt: o.time });
    }
    const pending = group.pending as PendingWrites;
    if (isNew) pending.first = { time: o.time, isError: o.isError, event: o.event };
    // GROUP_TAG_KEYS order.
    if (o.service) countTag(pending, 0, o.service, o.time);
    if (o.environment) countTag(pending, 1, o.environment, o.time);
    if (o.version) countTag(pending, 2, o.version, o.time);
    if (o.component) countTag(pending, 3, o.component, o.time);
    if (o.user) countTag(pending, 4, o.user, o.time);
    const recent = (pending.events ??= []);
    if (recent.length >= RECENT_EVENTS) recent.shift();
    else this.#pendingEventCount++;
    recent.push({ seq: group.count, time: o.time, isError: o.isError, event: o.event });
    const minute = Math.floor(o.time / MINUTE);
    if (pending.minute !== minute) {
      if (pending.count > 0)
        this.#pendingMinutes.push({ minute: pending.minute, fingerprint: group.fingerprint, count: pending.count, errors: pending.errors });
      pending.minute = minute;
      pending.count = 0;
      pending.errors = 0;
    }
    pending.count++;
    if (o.isError) pending.errors++;
    const t = this.#pendingTotals.get(minute);
    if (t) {
      t.events++;
      if (o.isError) t.errors++;
    } else this.#pendingTotals.set(minute, { events: 1, errors: o.isError ? 1 : 0 });
    if (o.user && o.isError) this.#pendingUsers.set(o.user, o.time);
    if (this.#pendingEventCount > 20_000 || this.#pendingMinutes.length > 20_000) this.#post();
    this.#emit(group.fingerprint, isNew ? 'new' : escalated ? 'status' : 'update');
    return { group, isNew, escalated };
  }

  /**
   * Changes a group's status (resolve, reopen, ignore until reopened); false when the group is
   * unknown. A resolve records the release the fix is in: `inVersion`, else the last version seen
   * (regressions from older releases are not regressions).
   */
  async setStatus(fingerprint: string, status: GroupStatus, at = Date.now(), inVersion?: string): Promise<boolean> {
    if (status === 'ignored') return this.ignore(fingerprint, {}, at);
    const changed = this.#setStatus(fingerprint, status, at, inVersion);
    await this.flushAsync();
    return changed;
  }

  /** A regression reopens its group as the record passes (the write goes with the next batch). */
  reopen(fingerprint: string, at: number): void {
    this.#setStatus(fingerprint, 'unresolved', at);
  }

  /**
   * Ignores a group until this many more events, this many more distinct users or a time, the
   * first reached (none given: until reopened); false when the group is unknown. Ignoring an
   * ignored group replaces its condition.
   */
  async ignore(fingerprint: string, until: IgnoreCondition = {}, at = Date.now()): Promise<boolean> {
    const group = this.#lookup(fingerprint);
    if (!group) return false;
    const targets: IgnoreTargets = {};
    if (until.events !== undefined) targets.count = group.count + until.events;
    if (until.users !== undefined) targets.users = group.users.count + until.users;
    if (until.until !== undefined) targets.time = until.until;
    group.ignoreUntil = Object.keys(targets).length > 0 ? targets : undefined;
    this.#setStatus(fingerprint, 'ignored', at);
    await this.flushAsync();
    return true;
  }

  #setStatus(fingerprint: string, status: GroupStatus, at: number, inVersion?: string): boolean {
    const group = this.#lookup(fingerprint);
    if (!group) return false;
    // Ignoring again may change the condition: it is written whatever the status was.
    if (
      group.status === status &&
      status !== 'ignored' &&
      (status !== 'resolved' || inVersion === undefined || inVersion === group.resolvedInVersion)
    )
      return true;
    if (status !== 'ignored') group.ignoreUntil = undefined;
    if (status === 'resolved') group.resolvedInVersion = inVersion ?? group.lastVersion;
    if (group.status !== status) {
      // Re-resolving only to name the release adds no status change (MTTR counts each resolution once).
      if (status === 'unresolved') group.openedAt = at;
      group.status = status;
      group.statusAt = at;
      this.#pendingStatus.push({ fingerprint, status, at, openedAt: group.openedAt });
    }
    this.#dirty.add(fingerprint);
    this.#post();
    this.#emit(fingerprint, 'status');
    return true;
  }

  /** Records an alert the group raised (the issue page's alert history); written with the next batch. */
  recordAlert(fingerprint: string, at: number, alert: { reason: string; rule?: string; detail?: string }): void {
    this.#pendingAlerts.push(fingerprint, at, alert.reason, alert.rule ?? null, alert.detail ?? null);
  }

  /** The group for an observation about to be counted (no side effects beyond loading it). */
  peek(fingerprint: string): Group | undefined {
    return this.#lookup(fingerprint);
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(fingerprint: string, kind: 'new' | 'update' | 'status'): void {
    for (const l of this.#listeners) {
      try {
        l(fingerprint, kind);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  #touch(group: Group): void {
    // Map order is recency order: re-insert on use, evict from the front. A group moved to the end
    // within the last maxGroups/2 moves has at most that many after it, so it is not in the front
    // tenth that eviction drops: it need not move again (most records then cost no Map writes).
    const pending = (group.pending ??= { events: undefined, minute: -1, count: 0, errors: 0, touched: Number.NEGATIVE_INFINITY });
    if (this.#touches - pending.touched < this.#maxGroups / 2 && this.#groups.has(group.fingerprint)) return;
    pending.touched = ++this.#touches;
    this.#groups.delete(group.fingerprint);
    this.#groups.set(group.fingerprint, group);
    if (this.#groups.size > this.#maxGroups) {
      // Write everything out once, then drop the least recently seen tenth: evictions stay rare.
      this.#post();
      this.#pruneEvicted();
      let n = Math.max(1, Math.floor(this.#maxGroups / 10));
      for (const fp of this.#groups.keys()) {
        if (n-- <= 0 || fp === group.fingerprint) break;
        if (!this.#writer.inThread) this.#evicted.set(fp, { group: this.#groups.get(fp) as Group, batch: this.#writer.posted });
        this.#groups.delete(fp);
        this.#onDisk.add(fp);
      }
    }
  }

  #lookup(fingerprint: string): Group | undefined {
    const inMemory = this.#groups.get(fingerprint);
    if (inMemory || this.#closed || !this.#onDisk.has(fingerprint)) return inMemory;
    const evicted = this.#evicted.get(fingerprint);
    if (evicted) {
      // Its rows may not be committed yet; what memory held is what the batch writes.
      this.#evicted.delete(fingerprint);
      this.#groups.set(fingerprint, evicted.group);
      return evicted.group;
    }
    const row = this.#s.getGroup.get(fingerprint) as (GroupColumns & { users: string | null }) | undefined;
    if (!row) return undefined;
    const group = groupOfRow(row, UserCounter.restore(row.users));
    this.#groups.set(fingerprint, group);
    return group;
  }

  /** Writes everything pending in one transaction and waits until it is committed. */
  flush(): void {
    if (this.#closed) return;
    this.#post();
    this.#wait();
  }

  /** Hands everything pending to the writer as one batch (one transaction); does not wait for a worker. */
  #post(): void {
    if (this.#closed) return;
    if (
      !this.#dirty.size &&
      !this.#pendingMinutes.length &&
      !this.#pendingStatus.length &&
      !this.#pendingTotals.size &&
      !this.#pendingReleases.length &&
      !this.#pendingAlerts.length
    )
      return;
    const b: WriteBatch = { g: [], e: [], m: [], t: [], u: [], s: [], r: this.#pendingReleases, tg: [], tn: [], al: this.#pendingAlerts };
    try {
      const { g, e, m } = b;
      for (const fp of this.#dirty) {
        const grp = this.#groups.get(fp);
        if (!grp) continue;
        const pending = grp.pending;
        if (pending) {
          // A ring of RECENT_EVENTS slots per group, the slot chosen by the event's number in its group: overwritten in place, never trimmed.
          const events = pending.events;
          if (events) for (const ev of events) e.push(fp, slotOf(ev.seq), ev.seq, ev.time, ev.isError ? 1 : 0, ev.event());
          pending.events = undefined;
          const first = pending.first;
          // While the ring holds event 1 it is the first event too: the writer copies it to its own slot when the ring overwrites it.
          if (first && events?.[0].seq !== 1) e.push(fp, FIRST_EVENT_SLOT, 1, first.time, first.isError ? 1 : 0, first.event());
          pending.first = undefined;
          // A group that opened since the last flush has no tag rows yet: its rows are inserted as they are.
          if (pending.tags) tagRows(fp, pending.tags, first !== undefined ? b.tn : b.tg, first !== undefined);
          pending.tags = undefined;
          if (pending.count > 0) m.push(pending.minute, fp, pending.count, pending.errors);
          pending.count = 0;
          pending.errors = 0;
        }
        g.push(
          grp.fingerprint,
          grp.title,
          grp.type ?? null,
          grp.message,
          grp.component ?? null,
          grp.category ?? null,
          grp.severity,
          grp.count,
          grp.firstSeen,
          grp.lastSeen,
          grp.status,
          grp.statusAt,
          grp.openedAt,
          grp.resolvedInVersion ?? null,
          grp.lastVersion ?? null,
          grp.users.serialize(),
          grp.users.count,
          grp.ignoreUntil?.count ?? null,
          grp.ignoreUntil?.users ?? null,
          grp.ignoreUntil?.time ?? null,
        );
      }
      for (const x of this.#pendingMinutes) m.push(x.minute, x.fingerprint, x.count, x.errors);
      for (const [minute, t] of this.#pendingTotals) b.t.push(minute, t.events, t.errors);
      for (const [user, at] of this.#pendingUsers) b.u.push(user, at);
      for (const c of this.#pendingStatus) b.s.push(c.fingerprint, c.status, c.at, c.openedAt);
    } finally {
      this.#dirty.clear();
      this.#pendingEventCount = 0;
      this.#pendingMinutes = [];
      this.#pendingTotals.clear();
      this.#pendingUsers.clear();
      this.#pendingStatus = [];
      this.#pendingReleases = [];
      this.#pendingAlerts = [];
    }
    this.#writer.post(b);
  }

  /** Drops the evicted groups whose batch is committed (their rows on disk are current). */
  #pruneEvicted(): void {
    if (!this.#evicted.size) return;
    const committed = this.#writer.committed;
    for (const [fp, e] of this.#evicted) if (e.batch <= committed) this.#evicted.delete(fp);
  }

  /** Like flush(), but waits for the worker without blocking the thread (forceFlush). */
  async flushAsync(): Promise<void> {
    if (this.#closed) return;
    this.#post();
    await this.#writer.settle();
    this.#wait();
  }

  /** Blocks until the writer has committed every batch posted; throws once for each batch it failed to write. */
  #wait(): void {
    try {
      this.#writer.wait();
    } finally {
      this.#pruneEvicted();
    }
  }

  /** Deletes groups unseen for the TTL and history older than 7 days. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.#closed) return 0;
    await this.flushAsync();
    if (this.#closed) return 0;
    const cutoff = now - this.#ttl;
    for (const [fp, g] of this.#groups) if (g.lastSeen < cutoff) this.#groups.delete(fp);
    const deleted = deleteBefore(this.#db, cutoff, now - HISTORY_MS);
    if (this.#onDisk.added > FILTER_REBUILD_AFTER) {
      // Evicted groups pile up in the filter (it cannot delete): start again from the rows on disk not in memory.
      this.#onDisk = new BloomFilter();
      for (const { fingerprint } of this.#db.prepare('SELECT fingerprint FROM groups').iterate() as Iterable<{ fingerprint: string }>)
        if (!this.#groups.has(fingerprint)) this.#onDisk.add(fingerprint);
    }
    return deleted;
  }

  /** Deletes every group and its history, in memory and in the file (clearGroups()). */
  async clear(): Promise<void> {
    if (this.#closed) return;
    await this.flushAsync();
    if (this.#closed) return;
    this.#groups.clear();
    this.#evicted.clear();
    this.#onDisk = new BloomFilter();
    deleteAll(this.#db);
  }

  async stats(): Promise<GroupStoreStats> {
    await this.flushAsync();
    const groups = (this.#db.prepare('SELECT COUNT(*) AS n FROM groups').get() as { n: number }).n;
    return {
      total_events: this.totalEvents,
      groups: Math.max(Number(groups), this.#groups.size),
      groups_in_memory: this.#groups.size,
      alerts_triggered: this.alertsTriggered,
      avg_processing_us: this.totalEvents ? this.processingNs / this.totalEvents / 1000 : 0,
      pending_writes: this.#pendingEventCount + this.#dirty.size,
    };
  }

  close(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    clearInterval(this.#sweeper);
    try {
      this.flush();
    } finally {
      this.#closed = true;
      this.#writer.close();
      this.#db.close();
    }
  }
}

/** Counts one observation into its group (every store's): count, last seen, highest severity, last release, users. */
export function countObservation(group: Group, o: Observation): void {
  group.count++;
  if (o.time > group.lastSeen) group.lastSeen = o.time;
  if (SEVERITIES.indexOf(o.severity) > SEVERITIES.indexOf(group.severity)) group.severity = o.severity;
  if (o.version) group.lastVersion = o.version;
  if (o.user) group.users.add(o.user);
}

/** Whether an ignored group's condition holds once it has counted an event of `time`: the first target reached ends it. */
export function ignoreReached(group: Group, time: number): boolean {
  const t = group.ignoreUntil;
  if (t === undefined || group.status !== 'ignored') return false;
  return (
    (t.count !== undefined && group.count >= t.count) ||
    (t.users !== undefined && group.users.count >= t.users) ||
    (t.time !== undefined && time >= t.time)
  );
}

/** An ignored group whose condition was reached opens again at `time` (every store's; each records the change its way). */
export function reopenIgnored(group: Group, time: number): void {
  group.ignoreUntil = undefined;
  group.status = 'unresolved';
  group.statusAt = time;
  group.openedAt = time;
}

/** A group as its first observation opens it, before that observation is counted (every store's). */
export function newGroup(o: Observation): Group {
  return {
    fingerprint: o.fingerprint,
    title: o.title,
    type: o.type,
    message: o.message,
    component: o.component,
    category: o.category,
    severity: o.severity,
    count: 0,
    firstSeen: o.time,
    lastSeen: o.time,
    status: 'unresolved',
    statusAt: o.time,
    openedAt: o.time,
    users: new UserCounter(),
    alert: newAlertState(),
  };
}

/** A groups row's columns, as either database returns them (PostgreSQL's bigints as text). */
export interface GroupColumns {
  fingerprint: string;
  title: string;
  type: string | null;
  message: string;
  component: string | null;
  category: string | null;
  severity: string;
  count: number | string;
  first_seen: number | string;
  last_seen: number | string;
  status: string;
  status_at: number | string;
  opened_at: number | string;
  resolved_in_version: string | null;
  last_version: string | null;
  ignore_count: number | string | null;
  ignore_users: number | null;
  ignore_until: number | string | null;
}

/** A group as its row holds it, with the users it counted (every store's; each keeps users its own way). */
export function groupOfRow(r: GroupColumns, users: UserCounter): Group {
  return {
    fingerprint: r.fingerprint,
    title: r.title,
    type: r.type ?? undefined,
    message: r.message,
    component: r.component ?? undefined,
    category: r.category ?? undefined,
    severity: r.severity as Severity,
    count: Number(r.count),
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    status: r.status as GroupStatus,
    statusAt: Number(r.status_at),
    openedAt: Number(r.opened_at),
    resolvedInVersion: r.resolved_in_version ?? undefined,
    lastVersion: r.last_version ?? undefined,
    users,
    ignoreUntil: ignoreTargets(r),
    alert: newAlertState(),
  };
}

/** Counts one event's tag value (key: its GROUP_TAG_KEYS index) into the group's pending writes (an empty value is not a value: OTHER_TAG is ''). */
function countTag(pending: PendingWrites, key: number, value: string, time: number): void {
  if (value === OTHER_TAG) return;
  const runs = (pending.tags ??= []);
  const run = runs[key];
  if (run === undefined) {
    runs[key] = { value, count: 1, first: time, last: time };
    return;
  }
  if (run.value === value) {
    run.count++;
    if (time < run.first) run.first = time;
    if (time > run.last) run.last = time;
    return;
  }
  const more = (run.more ??= new Map());
  const data = (run.data ??= []);
  const at = more.get(value);
  if (at === undefined) {
    more.set(value, data.length);
    data.push(1, time, time);
    return;
  }
  data[at]++;
  if (time < data[at + 1]) data[at + 1] = time;
  if (time > data[at + 2]) data[at + 2] = time;
}

/**
 * A group's pending tag counts as rows (fingerprint, key, value, count, first, last). For a group
 * new in this batch (`capped`, into `tn`) at most MAX_TAG_VALUES values a key go as rows, the rest
 * summed as OTHER_TAG; for one with rows on disk (into `tg`) every value goes, and the writer
 * applies the limit against those rows (a value it already counts keeps its own row).
 */
function tagRows(fp: string, runs: (TagRun | undefined)[], out: (string | number)[], capped: boolean): void {
  for (let k = 0; k < runs.length; k++) {
    const run = runs[k];
    if (!run) continue;
    const key: GroupTagKey = GROUP_TAG_KEYS[k];
    out.push(fp, key, run.value, run.count, run.first, run.last);
    const { more, data } = run;
    if (!more || !data) continue;
    let values = 1;
    let other: TagCount | undefined;
    for (const [value, at] of more) {
      const count = data[at];
      const first = data[at + 1];
      const last = data[at + 2];
      if (!capped || values < MAX_TAG_VALUES) {
        out.push(fp, key, value, count, first, last);
        values++;
      } else other = addTagCount(other, count, first, last);
    }
    if (other) out.push(fp, key, OTHER_TAG, other.count, other.first, other.last);
  }
}
