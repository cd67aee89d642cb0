/**
 * Fleet-unique decisions as claims, settled by the database's own atomic statements and never by
 * locks held across a flush: a group's creation (`INSERT … ON CONFLICT DO NOTHING RETURNING`: the
 * instance whose insert made the row raises "new group"), a threshold (`UPDATE … SET
 * alerted_threshold = t WHERE alerted_threshold < t RETURNING`: one instance crosses it), a
 * reopen (`UPDATE … SET status = 'unresolved' WHERE status = 'resolved' RETURNING`: one
 * regression). Claims made in one turn of the event loop go together: one statement a kind.
 */
import type pg from 'pg';
import { SEVERITIES } from '../../../model/severity.ts';
import type { Observation } from '../group-store.ts';
import type { GroupRow } from './pg-group-row.ts';
import { SCHEMA } from './pg-schema.ts';

const G = `${SCHEMA}.groups`;

/** A group looked up (created when absent): its row, and whether this claim created it. */
export interface LoadedGroup {
  row: GroupRow;
  created: boolean;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

type Reopen = { fingerprint: string; from: 'resolved' | 'ignored'; at: number };

/** Collects claims for one turn and sends each kind as one statement. */
export class ClaimBatcher {
  readonly #pool: pg.Pool;
  readonly #ready: () => Promise<void>;
  #loads = new Map<string, { o: Observation; waiters: Waiter<LoadedGroup | undefined>[] }>();
  #thresholds = new Map<string, { t: number; waiters: Waiter<boolean>[] }>();
  #reopens = new Map<string, { r: Reopen; waiters: Waiter<boolean>[] }>();
  #scheduled = false;
  /** Round trips started and not settled (forceFlush waits for them through the processor's held records). */
  inFlight = 0;
  /** Statements sent (the bench's write load). */
  statements = 0;

  /** `ready`: the store's start; claims wait for it (embedded, records may come before the schema exists). */
  constructor(pool: pg.Pool, ready: () => Promise<void>) {
    this.#pool = pool;
    this.#ready = ready;
  }

  /** The group's row, inserted from the observation when absent; undefined when it could not be had (deleted meanwhile). */
  load(o: Observation): Promise<LoadedGroup | undefined> {
    return new Promise((resolve, reject) => {
      const entry = this.#loads.get(o.fingerprint);
      if (entry) entry.waiters.push({ resolve, reject });
      else this.#loads.set(o.fingerprint, { o, waiters: [{ resolve, reject }] });
      this.#schedule();
    });
  }

  /** True when this instance raised the group's alerted threshold to `t` (nobody had claimed `t` or above). */
  threshold(fingerprint: string, t: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const entry = this.#thresholds.get(fingerprint);
      if (entry && entry.t >= t) {
        // A higher claim of the same group in this turn covers it: this one loses.
        resolve(false);
        return;
      }
      if (entry) for (const w of entry.waiters) w.resolve(false);
      this.#thresholds.set(fingerprint, { t, waiters: [{ resolve, reject }] });
      this.#schedule();
    });
  }

  /** True when this instance moved the group from `from` to unresolved (one regression, one escalation). */
  reopen(r: Reopen): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const entry = this.#reopens.get(r.fingerprint);
      if (entry) entry.waiters.push({ resolve: () => resolve(false), reject });
      else this.#reopens.set(r.fingerprint, { r, waiters: [{ resolve, reject }] });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const loads = this.#loads;
      const thresholds = this.#thresholds;
      const reopens = this.#reopens;
      this.#loads = new Map();
      this.#thresholds = new Map();
      this.#reopens = new Map();
      if (loads.size) this.#settle(() => this.#runLoads(loads), loads);
      if (thresholds.size) this.#settle(() => this.#runThresholds(thresholds), thresholds);
      if (reopens.size) this.#settle(() => this.#runReopens(reopens), reopens);
    });
  }

  #settle<T>(run: () => Promise<Map<string, T>>, entries: Map<string, { waiters: Waiter<T>[] }>): void {
    this.inFlight++;
    this.#ready()
      .then(run)
      .then(
        (results) => {
          this.inFlight--;
          for (const [fp, e] of entries) for (const w of e.waiters) w.resolve(results.get(fp) as T);
        },
        (error: unknown) => {
          this.inFlight--;
          for (const e of entries.values()) for (const w of e.waiters) w.reject(error);
        },
      );
  }

  async #runLoads(loads: Map<string, { o: Observation }>): Promise<Map<string, LoadedGroup | undefined>> {
    const obs = [...loads.values()].map((l) => l.o).sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
    const fps = obs.map((o) => o.fingerprint);
    this.statements++;
    const r = await this.#pool.query<GroupRow & { created: boolean }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::smallint[], $9::bigint[])
           AS i(fingerprint, title, type, message, component, category, severity, severity_rank, time)),
       ins AS (
         INSERT INTO ${G} (fingerprint, title, type, message, component, category, severity, severity_rank, count,
             first_seen, last_seen, status, status_at, opened_at, users_exact)
           SELECT fingerprint, title, type, message, component, category, severity, severity_rank, 0, time, time,
             'unresolved', time, time, '[]'::jsonb FROM input ORDER BY fingerprint
           ON CONFLICT (fingerprint) DO NOTHING RETURNING *)
       SELECT true AS created, * FROM ins
       UNION ALL SELECT false, g.* FROM ${G} g WHERE g.fingerprint = ANY($1)`,
      [
        fps,
        obs.map((o) => o.title),
        obs.map((o) => o.type ?? null),
        obs.map((o) => o.message),
        obs.map((o) => o.component ?? null),
        obs.map((o) => o.category ?? null),
        obs.map((o) => o.severity),
        obs.map((o) => SEVERITIES.indexOf(o.severity)),
        obs.map((o) => o.time),
      ],
    );
    const out = new Map<string, LoadedGroup | undefined>();
    for (const row of r.rows) {
      const { created, ...rest } = row;
      out.set(row.fingerprint, { row: rest as GroupRow, created });
    }
    // Inserted by another instance after this statement's snapshot: neither inserted nor seen. Read again.
    const missing = fps.filter((fp) => !out.has(fp));
    if (missing.length) {
      this.statements++;
      const again = await this.#pool.query<GroupRow>(`SELECT * FROM ${G} WHERE fingerprint = ANY($1)`, [missing]);
      for (const row of again.rows) out.set(row.fingerprint, { row, created: false });
    }
    return out;
  }

  async #runThresholds(claims: Map<string, { t: number }>): Promise<Map<string, boolean>> {
    const sorted = [...claims].sort(([a], [b]) => (a < b ? -1 : 1));
    this.statements++;
    const r = await this.#pool.query<{ fingerprint: string }>(
      // The rows are locked in key order first, as flushes lock them: a claim and a flush never deadlock.
      `WITH locked AS MATERIALIZED (SELECT fingerprint FROM ${G} WHERE fingerprint = ANY($1) ORDER BY fingerprint FOR UPDATE)
       UPDATE ${G} g SET alerted_threshold = c.t FROM unnest($1::text[], $2::bigint[]) AS c(fp, t), locked
        WHERE g.fingerprint = c.fp AND locked.fingerprint = c.fp AND g.alerted_threshold < c.t RETURNING g.fingerprint`,
      [sorted.map(([fp]) => fp), sorted.map(([, c]) => c.t)],
    );
    const won = new Set(r.rows.map((x) => x.fingerprint));
    return new Map(sorted.map(([fp]) => [fp, won.has(fp)]));
  }

  async #runReopens(claims: Map<string, { r: Reopen }>): Promise<Map<string, boolean>> {
    const rs = [...claims.values()].map((c) => c.r).sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
    this.statements++;
    const r = await this.#pool.query<{ fingerprint: string }>(
      `WITH c AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS c(fp, from_status, at)),
       locked AS MATERIALIZED (SELECT fingerprint FROM ${G} WHERE fingerprint = ANY($1) ORDER BY fingerprint FOR UPDATE),
       upd AS (
         UPDATE ${G} g SET status = 'unresolved', status_at = c.at, opened_at = c.at, ignore_count = NULL, ignore_users = NULL,
             ignore_until = NULL, status_version = nextval('${SCHEMA}.status_seq')
           FROM c, locked WHERE g.fingerprint = c.fp AND locked.fingerprint = c.fp AND g.status = c.from_status
           RETURNING g.fingerprint, c.at),
       hist AS (INSERT INTO ${SCHEMA}.status_changes (fingerprint, status, at, opened_at)
           SELECT fingerprint, 'unresolved', at, at FROM upd)
       SELECT fingerprint FROM upd`,
      [rs.map((x) => x.fingerprint), rs.map((x) => x.from), rs.map((x) => x.at)],
    );
    const won = new Set(r.rows.map((x) => x.fingerprint));
    return new Map(rs.map((x) => [x.fingerprint, won.has(x.fingerprint)]));
  }
}
