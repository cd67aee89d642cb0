/**
 * The group store on PostgreSQL, shared by several collectors and applications. Each instance
 * holds the groups it has seen (their state as the fleet had it at the last flush, plus what it
 * counted since) and decides what needs the fleet through claims (pg-claims.ts): a group it does
 * not hold is loaded, or created, before its first record here is decided; "new group",
 * thresholds and reopens are won by one instance's atomic statement. Counts, users, minute counts
 * and recent events are batched and written once a flush interval (pg-flush.ts), one statement a
 * table; each flush reads back the rows it touched and the status changes made elsewhere since
 * the last, so a resolve or an ignore on any instance is seen here within one flush interval.
 *
 * The database lost while running: records still flow (the fingerprint processor never waits on a
 * flush), the counts wait in this instance's batch (bounded: past `maxPending` rows a record is not
 * counted, and that is counted), and the first flush that succeeds writes them all.
 */
import { randomUUID } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import type pg from 'pg';
import type { GroupReader, GroupStatus, GroupStoreStats, GroupTagKey, IgnoreCondition } from '../../../model/groups.ts';
import { GROUP_TAG_KEYS } from '../../../model/groups.ts';
import { SEVERITIES } from '../../../model/severity.ts';
import type { Counter, Telemetry } from '../../../model/telemetry.ts';
import { FlushedReads } from '../flushed-reads.ts';
import { MINUTE, OTHER_TAG, RECENT_EVENTS } from '../group-schema.ts';
import { countObservation, type Group, ignoreReached, newGroup, type Observation, reopenIgnored } from '../group-store.ts';
import type { FleetStore } from '../processor-store.ts';
import { ReleaseOrder } from '../release-order.ts';
import { addToRegisters, USER_REGISTERS } from '../user-counter.ts';
import { ClaimBatcher } from './pg-claims.ts';
import { checkReachable, createPool, redactUrl, withClient } from './pg-connection.ts';
import { PgEventLog } from './pg-event-log.ts';
import { batchSize, emptyBatch, type FlushBatch, type FlushResult, flushBatch, type GroupDelta } from './pg-flush.ts';
import { type FleetGroup, type GroupRow, refreshGroup, refreshStatus, rowToGroup } from './pg-group-row.ts';
import { PgQueries } from './pg-queries.ts';
import { migrate, SCHEMA } from './pg-schema.ts';

const HISTORY_MS = 7 * 24 * 60 * MINUTE;
/** Rows a batch holds at most while the database cannot be written (about 100 bytes each, plus up to 10 events per group). */
const DEFAULT_MAX_PENDING = 100_000;
/** Events a batch keeps at most (each holds its record until the flush writes its text); past it, groups keep one each, or none. */
const MAX_PENDING_EVENTS = 20_000;
/** Full tag keys whose tracked values are kept (50 values each at most). */
const MAX_FULL_TAGS = 5000;
const G = `${SCHEMA}.groups`;

export interface PgGroupStoreOptions {
  /** postgresql://… */
  url: string;
  maxGroups: number;
  groupTtlMs: number;
  flushIntervalMs: number;
  telemetry: Telemetry;
  /** Rows (group deltas, minute counts, totals, users) a batch holds at most while the database cannot be written. */
  maxPending?: number;
  /** A pool to use instead of one of its own (tests); the store does not end it. */
  pool?: pg.Pool;
}

export class PgGroupStore extends FlushedReads implements GroupReader, FleetStore {
  /** The database, named without its password. */
  readonly where: string;
  readonly releases: ReleaseOrder;
  readonly pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #o: PgGroupStoreOptions;
  readonly #claims: ClaimBatcher;
  protected readonly queries: PgQueries;
  readonly #groups = new Map<string, FleetGroup>();
  readonly #loading = new Map<string, Promise<void>>();
  #batch: FlushBatch = emptyBatch();
  /** This store's name in `applied_batches`, and its batches' numbers. */
  readonly #instance = randomUUID();
  #batchSeq = 0;
  /**
   * A batch whose flush failed, tried again as it was, under its id, before the next: if its
   * COMMIT went through and only the answer was lost, the database says so and it is not counted twice.
   */
  #unsure: { batch: FlushBatch; seq: number } | undefined;
  #flushing: Promise<void> | undefined;
  #statusVersion = 0;
  #loadingReleases = false;
  #timer: NodeJS.Timeout | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #started: Promise<void> | undefined;
  /** Whether a start has ever reached the database. */
  #reached = false;
  #closed = false;
  /** Whether the last flush or claim reached the database. */
  #up = true;
  totalEvents = 0;
  alertsTriggered = 0;
  processingNs = 0;
  /** The last flush's write load (statements, rows, ms): the bench reads it. */
  lastFlush: FlushResult | undefined;
  #log: PgEventLog | undefined;
  /**
   * The tracked values of tag keys known to be full (`fingerprint key` → values): a value outside
   * them can only count under OTHER_TAG, so it is folded into one row here instead of sent alone
   * (a busy group's users would otherwise be a row each a flush). At most MAX_FULL_TAGS keys.
   */
  readonly #fullTags = new Map<string, Set<string>>();
  readonly #dropped: Counter;
  readonly #flushes: Counter;
  readonly #flushFailures: Counter;
  readonly #claimFailures: Counter;
  readonly #statements: Counter;

  constructor(options: PgGroupStoreOptions) {
    super();
    this.#o = options;
    this.where = redactUrl(options.url);
    this.#ownsPool = !options.pool;
    this.pool = options.pool ?? createPool({ url: options.url, onError: () => this.#markDown() });
    this.#claims = new ClaimBatcher(this.pool, () => this.start());
    this.queries = new PgQueries(this.pool);
    this.releases = new ReleaseOrder([], (version) => {
      if (!this.#loadingReleases) this.#batch.releases.push(version);
    });
    const t = options.telemetry;
    this.#dropped = t.counter(
      'unitrack_group_store_dropped_total',
      'Records not counted in the shared group store: its batch was full while the database could not be written.',
    );
    this.#flushes = t.counter('unitrack_group_store_flushes_total', 'Batches written to the shared group store.');
    this.#flushFailures = t.counter(
      'unitrack_group_store_flush_failures_total',
      'Flushes to the shared group store that failed (the batch is kept and written later).',
    );
    this.#claimFailures = t.counter(
      'unitrack_group_store_claim_failures_total',
      'Fleet claims (group loads, new groups, thresholds, reopens) that could not reach the database: their records passed without those alerts.',
    );
    this.#statements = t.counter('unitrack_group_store_statements_total', 'Statements sent to the shared group store by flushes.');
    t.gauge('unitrack_group_store_pending_rows', 'Rows waiting for the next flush to the shared group store.', () => this.#pendingRows());
    t.gauge('unitrack_group_store_up', 'Whether the shared group store answered its last flush or claim (1) or not (0).', () =>
      this.#up ? 1 : 0,
    );
  }

  /** Connects, creates or migrates the schema, reads the releases; a StartError naming the database when it cannot. */
  start(): Promise<void> {
    // A start that failed is tried again by the next claim or flush (embedded, the database may come later).
    this.#started ??= this.#start().catch((error: unknown) => {
      this.#started = undefined;
      throw error;
    });
    return this.#started;
  }

  async #start(): Promise<void> {
    await checkReachable(this.pool, this.#o.url);
    this.#reached = true;
    await migrate(this.pool);
    const releases = await this.pool.query<{ version: string }>(`SELECT version FROM ${SCHEMA}.releases ORDER BY seq`);
    this.#loadingReleases = true;
    for (const r of releases.rows) this.releases.see(r.version);
    this.#loadingReleases = false;
    const v = await this.pool.query<{ v: string | null }>(`SELECT max(status_version) AS v FROM ${G}`);
    this.#statusVersion = Number(v.rows[0].v ?? 0);
    if (this.#closed || this.#timer) return;
    this.#timer = setInterval(() => {
      if (!this.#flushing) this.#flush().catch(() => undefined);
    }, this.#o.flushIntervalMs).unref();
    this.#sweeper = setInterval(
      () => this.sweep().catch((e: unknown) => diag.warn(`unitrack: sweeping the group store: ${message(e)}`)),
      Math.min(this.#o.groupTtlMs, 60_000),
    ).unref();
  }

  /** The fleet's shared stream on the same database (the dashboard follows it). */
  get eventLog(): PgEventLog {
    this.#log ??= new PgEventLog(this.#o.url, () => this.start());
    return this.#log;
  }

  /** True when the group's state is held here: its records can be decided at once. */
  isLoaded(fingerprint: string): boolean {
    return this.#groups.has(fingerprint);
  }

  /**
   * Loads the group from the fleet, creating it when nobody has (this instance then raises its new
   * group). Never rejects: a database that cannot be reached makes a group held here only, not new.
   */
  load(o: Observation): Promise<void> {
    let p = this.#loading.get(o.fingerprint);
    if (p) return p;
    p = this.#claims.load(o).then(
      (loaded) => {
        this.#up = true;
        this.#loading.delete(o.fingerprint);
        if (this.#groups.has(o.fingerprint)) return;
        this.#groups.set(o.fingerprint, loaded ? rowToGroup(loaded.row, loaded.created) : localGroup(o));
      },
      (error: unknown) => {
        this.#loading.delete(o.fingerprint);
        this.#claimFailed(error);
        if (!this.#groups.has(o.fingerprint)) this.#groups.set(o.fingerprint, localGroup(o));
      },
    );
    this.#loading.set(o.fingerprint, p);
    return p;
  }

  peek(fingerprint: string): Group | undefined {
    return this.#groups.get(fingerprint);
  }

  /** A regression reopens the group here at once and claims the reopen: `group.statusClaim` says whether this instance won it. */
  reopen(fingerprint: string, at: number): void {
    const g = this.#groups.get(fingerprint);
    if (!g || g.status === 'unresolved') return;
    const from = g.status;
    g.status = 'unresolved';
    g.statusAt = at;
    g.openedAt = at;
    g.ignoreUntil = undefined;
    this.#claimReopen(g, from, at);
  }

  #claimReopen(g: FleetGroup, from: 'resolved' | 'ignored', at: number): void {
    const claim = this.#claims.reopen({ fingerprint: g.fingerprint, from, at }).then(
      (won) => {
        this.#up = true;
        return won;
      },
      (error: unknown) => {
        this.#claimFailed(error);
        return false;
      },
    );
    g.statusClaim = claim;
    claim.then(() => {
      if (g.statusClaim === claim) g.statusClaim = undefined;
    });
  }

  /** The highest of `thresholds` the group's count has reached and nobody is known to have claimed. */
  thresholdDue(group: Group, thresholds: readonly number[]): number | undefined {
    const g = group as FleetGroup;
    let due: number | undefined;
    for (const t of thresholds) if (t <= g.count && t > g.alertedThreshold && (due === undefined || t > due)) due = t;
    return due;
  }

  /** Claims threshold `t` for the group fleet-wide; true when this instance crossed it first. */
  claimThreshold(group: Group, t: number): Promise<boolean> {
    const g = group as FleetGroup;
    g.alertedThreshold = Math.max(g.alertedThreshold, t);
    return this.#claims.threshold(g.fingerprint, t).then(
      (won) => {
        this.#up = true;
        return won;
      },
      (error: unknown) => {
        this.#claimFailed(error);
        return false;
      },
    );
  }

  statusClaim(group: Group): Promise<boolean> | undefined {
    return (group as FleetGroup).statusClaim;
  }

  /** Claims made and not answered yet. */
  get claimsInFlight(): number {
    return this.#claims.inFlight + this.#loading.size;
  }

  /** Counts one record into its (loaded) group; `isNew` only for the fleet's first record of it, on the instance that created it. */
  observe(o: Observation): { group: Group; isNew: boolean; escalated: boolean } {
    let g = this.#groups.get(o.fingerprint);
    if (!g) {
      // Not loaded (the processor's hold was full): counted here, never new.
      g = localGroup(o);
      this.#groups.set(o.fingerprint, g);
    }
    const isNew = g.createdHere;
    g.createdHere = false;
    countObservation(g, o);
    this.totalEvents++;
    const escalated = ignoreReached(g, o.time);
    if (escalated) {
      reopenIgnored(g, o.time);
      this.#claimReopen(g, 'ignored', o.time);
    }
    this.#count(g, o, isNew);
    return { group: g, isNew, escalated };
  }

  /** Records an alert the group raised (the issue page's alert history); written with the next batch. */
  recordAlert(fingerprint: string, at: number, alert: { reason: string; rule?: string; detail?: string }): void {
    this.#batch.alerts.push({ fingerprint, at, reason: alert.reason, rule: alert.rule, detail: alert.detail });
  }

  /** Adds the record to the batch, unless the batch is full and the record needs a new row in it (then it is counted as dropped). */
  #count(g: FleetGroup, o: Observation, isNew: boolean): void {
    const b = this.#batch;
    const minute = Math.floor(o.time / MINUTE);
    const mKey = `${minute} ${o.fingerprint}`;
    let d = b.groups.get(o.fingerprint);
    const m = b.minutes.get(mKey);
    const total = b.totals.get(minute);
    const rows = (d ? 0 : 1) + (m ? 0 : 1) + (total ? 0 : 1) + (o.user && o.isError && !b.users.has(o.user) ? 1 : 0);
    if (rows > 0 && this.#pendingRows() + rows > (this.#o.maxPending ?? DEFAULT_MAX_PENDING)) {
      this.#dropped.add();
      return;
    }
    if (!d) {
      d = {
        fingerprint: g.fingerprint,
        title: g.title,
        type: g.type,
        message: g.message,
        component: g.component,
        category: g.category,
        severity: o.severity,
        count: 0,
        firstSeen: o.time,
        lastSeen: o.time,
        users: new Set(),
        registers: undefined,
        events: [],
        tags: new Map(),
      };
      b.groups.set(o.fingerprint, d);
    }
    if (isNew) d.first = { time: o.time, isError: o.isError, event: o.event };
    if (o.service) this.#countTag(d, 'service', o.service, o.time);
    if (o.environment) this.#countTag(d, 'environment', o.environment, o.time);
    if (o.version) this.#countTag(d, 'release', o.version, o.time);
    if (o.component) this.#countTag(d, 'component', o.component, o.time);
    if (o.user) this.#countTag(d, 'user', o.user, o.time);
    d.count++;
    if (o.time < d.firstSeen) d.firstSeen = o.time;
    if (o.time > d.lastSeen) d.lastSeen = o.time;
    if (SEVERITIES.indexOf(o.severity) > SEVERITIES.indexOf(d.severity)) d.severity = o.severity;
    if (o.version) d.lastVersion = o.version;
    if (o.user) {
      if (d.users) {
        d.users.add(o.user);
        if (d.users.size > 64) d.users = undefined;
      }
      addToRegisters((d.registers ??= new Uint8Array(USER_REGISTERS)), o.user);
    }
    const ev = { time: o.time, isError: o.isError, event: o.event };
    if (d.events.length >= RECENT_EVENTS) {
      d.events.shift();
      d.events.push(ev);
    } else if (b.eventCount < MAX_PENDING_EVENTS) {
      b.eventCount++;
      d.events.push(ev);
    } else if (d.events.length > 0) d.events[d.events.length - 1] = ev;
    if (m) {
      m.count++;
      if (o.isError) m.errors++;
    } else b.minutes.set(mKey, { minute, fingerprint: o.fingerprint, count: 1, errors: o.isError ? 1 : 0 });
    if (total) {
      total.events++;
      if (o.isError) total.errors++;
    } else b.totals.set(minute, { events: 1, errors: o.isError ? 1 : 0 });
    if (o.user && o.isError) b.users.set(o.user, o.time);
    if (b.groups.size > 20_000 && !this.#flushing && this.#up) this.#flush().catch(() => undefined);
  }

  /** Counts a tag value into the delta; past a full key's tracked values, under OTHER_TAG. */
  #countTag(d: GroupDelta, key: GroupTagKey, value: string, time: number): void {
    // An empty value is not a value (OTHER_TAG is '').
    if (value === OTHER_TAG) return;
    if (this.#fullTags.size > 0) {
      const tracked = this.#fullTags.get(`${d.fingerprint} ${key}`);
      if (tracked && !tracked.has(value)) value = OTHER_TAG;
    }
    countTag(d, key, value, time);
  }

  /** Reads the tracked values of the keys a flush found full. */
  async #learnFullTags(full: { fingerprint: string; key: GroupTagKey }[]): Promise<void> {
    const fresh = full.filter((f) => !this.#fullTags.has(`${f.fingerprint} ${f.key}`) && this.#groups.has(f.fingerprint));
    if (fresh.length === 0) return;
    const r = await this.pool.query<{ fingerprint: string; key: string; value: string }>(
      `SELECT t.fingerprint, t.key, t.value FROM ${SCHEMA}.group_tags t
         JOIN unnest($1::text[], $2::text[]) AS f(fingerprint, key) ON f.fingerprint = t.fingerprint AND f.key = t.key
         WHERE t.value <> $3`,
      [fresh.map((f) => f.fingerprint), fresh.map((f) => f.key), OTHER_TAG],
    );
    for (const f of fresh) this.#fullTags.set(`${f.fingerprint} ${f.key}`, new Set());
    for (const row of r.rows) this.#fullTags.get(`${row.fingerprint} ${row.key}`)?.add(row.value);
    // Bounded: the oldest keys go first (they are read again when found full again).
    for (const k of this.#fullTags.keys()) {
      if (this.#fullTags.size <= MAX_FULL_TAGS) break;
      this.#fullTags.delete(k);
    }
  }

  /** Rows waiting: the batch being counted and the one tried again. */
  #pendingRows(): number {
    return batchSize(this.#batch) + (this.#unsure ? batchSize(this.#unsure.batch) : 0);
  }

  /**
   * Writes the batch (after the one whose flush failed, if any); on failure keeps it and rejects.
   * A failed batch is tried again as it was, once the database answers; what is counted meanwhile
   * gathers in the next batch (merged under it when the failed one is known not to have been written).
   */
  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    const run = async () => {
      await this.start().catch((error: unknown) => {
        this.#flushFailures.add();
        this.#markDown(error);
        throw error;
      });
      if (this.#unsure) {
        await this.#write(this.#unsure.batch, this.#unsure.seq);
        this.#unsure = undefined;
      }
      const batch = this.#batch;
      this.#batch = emptyBatch();
      if (batchSize(batch) > 0) await this.#write(batch, ++this.#batchSeq);
      await this.#readStatusChanges();
      if (!this.#up) diag.info(`unitrack: the group store ${this.where} is reachable again; its batch is written`);
      this.#up = true;
      this.#evict();
    };
    const p = run().finally(() => {
      this.#flushing = undefined;
    });
    this.#flushing = p;
    return p;
  }

  /** Writes one batch under its number; on failure it becomes the batch tried again (the only one kept apart). */
  async #write(batch: FlushBatch, seq: number): Promise<void> {
    try {
      const result = await flushBatch(this.pool, batch, { instance: this.#instance, seq });
      this.lastFlush = result;
      this.#flushes.add();
      this.#statements.add(result.statements);
      for (const row of result.rows) {
        const g = this.#groups.get(row.fingerprint);
        if (g) refreshGroup(g, row, this.#batch.groups.get(row.fingerprint)?.count ?? 0);
      }
      if (result.fullTags.length) await this.#learnFullTags(result.fullTags).catch(() => undefined);
    } catch (error) {
      // Its COMMIT may have gone through (only the answer lost): it is tried again as it is, under its number.
      this.#unsure = { batch, seq };
      this.#flushFailures.add();
      this.#markDown(error);
      throw error;
    }
  }

  /** Status changes made by any instance since the last read (resolve, ignore, reopen): the groups held here take them. */
  async #readStatusChanges(): Promise<void> {
    const r = await this.pool.query<GroupRow>(
      `SELECT fingerprint, status, status_at, opened_at, resolved_in_version, ignore_count, ignore_users, ignore_until, status_version
         FROM ${G} WHERE status_version > $1 ORDER BY status_version LIMIT 10000`,
      [this.#statusVersion],
    );
    for (const row of r.rows) {
      this.#statusVersion = Math.max(this.#statusVersion, Number(row.status_version));
      const g = this.#groups.get(row.fingerprint);
      if (g) refreshStatus(g, row);
    }
  }

  /** Past max_groups, the groups held longest with nothing waiting for a flush go (they load again on their next record). */
  #evict(): void {
    let over = this.#groups.size - this.#o.maxGroups;
    if (over <= 0) return;
    over += Math.floor(this.#o.maxGroups / 10);
    for (const [fp, g] of this.#groups) {
      if (over <= 0) break;
      if (this.#batch.groups.has(fp) || g.statusClaim || g.createdHere) continue;
      this.#groups.delete(fp);
      for (const key of GROUP_TAG_KEYS) this.#fullTags.delete(`${fp} ${key}`);
      over--;
    }
  }

  #markDown(error?: unknown): void {
    // Before a first start, the start's own failure names the database (the collector exits, embedded it is reported once).
    if (this.#up && this.#reached && error !== undefined)
      diag.warn(`unitrack: the group store ${this.where} cannot be reached (${message(error)}); counts wait in a bounded batch`);
    this.#up = false;
  }

  #claimFailed(error: unknown): void {
    this.#claimFailures.add();
    this.#markDown(error);
  }

  /** Resolves once everything counted so far is committed (rejects while the database cannot be written). */
  async flushAsync(): Promise<void> {
    if (this.#closed) return;
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    await this.#flush();
  }

  async setStatus(fingerprint: string, status: GroupStatus, at = Date.now(), inVersion?: string): Promise<boolean> {
    if (status === 'ignored') return this.ignore(fingerprint, {}, at);
    await this.flushAsync();
    return this.#writeStatus(fingerprint, status, at, { inVersion });
  }

  async ignore(fingerprint: string, until: IgnoreCondition = {}, at = Date.now()): Promise<boolean> {
    await this.flushAsync();
    return this.#writeStatus(fingerprint, 'ignored', at, { until });
  }

  /** One statement: the status (and the ignore condition, absolute from the fleet's counts) and its history row when it changed. */
  async #writeStatus(
    fingerprint: string,
    status: GroupStatus,
    at: number,
    o: { inVersion?: string; until?: IgnoreCondition },
  ): Promise<boolean> {
    const u = o.until ?? {};
    const r = await this.pool.query<GroupRow & { old_status: string }>(
      `WITH old AS (SELECT fingerprint, status FROM ${G} WHERE fingerprint = $1 FOR UPDATE),
       upd AS (
         UPDATE ${G} g SET status = $2,
             status_at = CASE WHEN old.status <> $2 THEN $3 ELSE g.status_at END,
             opened_at = CASE WHEN $2 = 'unresolved' AND old.status <> $2 THEN $3 ELSE g.opened_at END,
             resolved_in_version = CASE WHEN $2 = 'resolved' THEN coalesce($4, g.last_version) ELSE g.resolved_in_version END,
             ignore_count = CASE WHEN $2 = 'ignored' AND $5::bigint IS NOT NULL THEN g.count + $5 END,
             ignore_users = CASE WHEN $2 = 'ignored' AND $6::int IS NOT NULL THEN g.user_count + $6 END,
             ignore_until = CASE WHEN $2 = 'ignored' THEN $7::bigint END,
             status_version = nextval('${SCHEMA}.status_seq')
           FROM old WHERE g.fingerprint = old.fingerprint RETURNING g.*, old.status AS old_status),
       hist AS (INSERT INTO ${SCHEMA}.status_changes (fingerprint, status, at, opened_at)
           SELECT fingerprint, status, $3, opened_at FROM upd WHERE old_status <> status)
       SELECT * FROM upd`,
      [fingerprint, status, at, o.inVersion ?? null, u.events ?? null, u.users ?? null, u.until ?? null],
    );
    const row = r.rows[0];
    if (!row) return false;
    const g = this.#groups.get(fingerprint);
    if (g) {
      g.statusClaim = undefined;
      refreshStatus(g, row);
    }
    return true;
  }

  async stats(): Promise<GroupStoreStats> {
    await this.flushAsync();
    const r = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${G}`);
    return {
      total_events: this.totalEvents,
      groups: Number(r.rows[0].n),
      groups_in_memory: this.#groups.size,
      alerts_triggered: this.alertsTriggered,
      avg_processing_us: this.totalEvents ? this.processingNs / this.totalEvents / 1000 : 0,
      pending_writes: this.#pendingRows(),
    };
  }

  /** Deletes groups unseen for the TTL (with their events and history) and history older than 7 days, fleet-wide. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.#closed) return 0;
    await this.flushAsync();
    const cutoff = now - this.#o.groupTtlMs;
    const horizon = Math.floor((now - HISTORY_MS) / MINUTE);
    let deleted = 0;
    await withClient(this.pool, async (client) => {
      try {
        await client.query('BEGIN');
        const r = await client.query<{ fingerprint: string }>(`DELETE FROM ${G} WHERE last_seen < $1 RETURNING fingerprint`, [cutoff]);
        const fps = r.rows.map((x) => x.fingerprint);
        deleted = fps.length;
        if (fps.length) {
          await client.query(`DELETE FROM ${SCHEMA}.events WHERE fingerprint = ANY($1)`, [fps]);
          for (const table of ['status_changes', 'group_tags', 'alerts'])
            await client.query(`DELETE FROM ${SCHEMA}.${table} WHERE fingerprint = ANY($1)`, [fps]);
        }
        // Each group's newest 50 alerts stay.
        await client.query(
          `DELETE FROM ${SCHEMA}.alerts WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY fingerprint
             ORDER BY at DESC, id DESC) AS n FROM ${SCHEMA}.alerts) a WHERE n > 50)`,
        );
        await client.query(`DELETE FROM ${SCHEMA}.minutes WHERE minute < $1`, [horizon]);
        await client.query(`DELETE FROM ${SCHEMA}.totals WHERE minute < $1`, [horizon]);
        await client.query(`DELETE FROM ${SCHEMA}.users WHERE last_seen < $1`, [now - HISTORY_MS]);
        // A batch is tried again within an outage, never a day later.
        await client.query(`DELETE FROM ${SCHEMA}.applied_batches WHERE at < $1`, [now - 86_400_000]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    for (const [fp, g] of this.#groups) if (g.lastSeen < cutoff && !this.#batch.groups.has(fp)) this.#groups.delete(fp);
    return deleted;
  }

  /** Deletes every group and its history, fleet-wide (other instances keep the groups they hold until they restart). */
  async clear(): Promise<void> {
    if (this.#closed) return;
    await this.flushAsync();
    await this.pool.query(
      `TRUNCATE ${G}, ${SCHEMA}.events, ${SCHEMA}.minutes, ${SCHEMA}.totals, ${SCHEMA}.users, ${SCHEMA}.status_changes,
         ${SCHEMA}.group_tags, ${SCHEMA}.alerts`,
    );
    this.#groups.clear();
    this.#fullTags.clear();
  }

  /** Writes what is pending (when it can), stops the timers and ends the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    clearInterval(this.#sweeper);
    try {
      if (this.#started) await this.flushAsync();
    } catch (error) {
      diag.warn(`unitrack: the group store ${this.where}: ${this.#pendingRows()} rows could not be written at close: ${message(error)}`);
    } finally {
      this.#closed = true;
      // A dashboard following the log closes it after its own last export.
      if (this.#log && !this.#log.followed) await this.#log.close();
      if (this.#ownsPool) await this.pool.end().catch(() => undefined);
    }
  }
}

/** A group held here only (not loaded: the database could not be reached, or the hold was full): never new. */
function localGroup(o: Observation): FleetGroup {
  return {
    ...newGroup(o),
    alertedThreshold: 0,
    createdHere: false,
    statusVersion: 0,
  };
}

/** Counts one event's tag value (or OTHER_TAG) into the group's delta. */
function countTag(d: GroupDelta, key: GroupTagKey, value: string, time: number): void {
  let values = d.tags.get(key);
  if (!values) d.tags.set(key, (values = new Map()));
  const t = values.get(value);
  if (t) {
    t.count++;
    if (time < t.first) t.first = time;
    if (time > t.last) t.last = time;
  } else values.set(value, { count: 1, first: time, last: time });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
