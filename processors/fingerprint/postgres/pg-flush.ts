/**
 * The PostgreSQL store's flush: what this instance counted since the last one, written in one
 * transaction, one statement per table whatever the number of groups (`INSERT … SELECT FROM
 * unnest(…) ON CONFLICT DO UPDATE SET count = groups.count + excluded.count`), rows sorted by key
 * so that instances flushing the same groups lock them in one order. The groups statement returns
 * the rows as the fleet has them, which bring this instance's groups up to date.
 */
import type pg from 'pg';
import type { GroupTagKey } from '../../../model/groups.ts';
import { SEVERITIES, type Severity } from '../../../model/severity.ts';
import { FIRST_EVENT_SLOT, MAX_TAG_VALUES, OTHER_TAG, slotOf } from '../group-schema.ts';
import { withClient } from './pg-connection.ts';
import type { GroupRow } from './pg-group-row.ts';
import { SCHEMA } from './pg-schema.ts';

const G = `${SCHEMA}.groups`;

/** A group's counts since the last flush. */
export interface GroupDelta {
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
  lastVersion?: string;
  /** Distinct users counted since: their ids while at most 64 (then undefined), and their registers. */
  users: Set<string> | undefined;
  registers: Uint8Array | undefined;
  /** The newest events since, at most RECENT_EVENTS, oldest first. */
  events: { time: number; isError: boolean; event: () => string }[];
  /** The group's first event, when this instance created the group since the last flush. */
  first?: { time: number; isError: boolean; event: () => string };
  /** Tag counts since, by key, then value. */
  tags: Map<GroupTagKey, Map<string, { count: number; first: number; last: number }>>;
}

export interface FlushBatch {
  groups: Map<string, GroupDelta>;
  /** Key `minute fingerprint`. */
  minutes: Map<string, { minute: number; fingerprint: string; count: number; errors: number }>;
  totals: Map<number, { events: number; errors: number }>;
  users: Map<string, number>;
  releases: string[];
  /** Alerts raised since. */
  alerts: { fingerprint: string; at: number; reason: string; rule?: string; detail?: string }[];
  /** Events held by the groups' deltas (each holds its record until the flush writes its text). */
  eventCount: number;
}

export function emptyBatch(): FlushBatch {
  return { groups: new Map(), minutes: new Map(), totals: new Map(), users: new Map(), releases: [], alerts: [], eventCount: 0 };
}

export function batchSize(b: FlushBatch): number {
  return b.groups.size + b.minutes.size + b.totals.size + b.users.size + b.releases.length + b.alerts.length;
}

/** Who wrote a batch: the store instance (random at its start) and the batch's number there. */
export interface BatchId {
  instance: string;
  seq: number;
}

export interface FlushResult {
  /** False when the database had this batch already (a retry after its commit's answer was lost): nothing was written again. */
  applied: boolean;
  rows: GroupRow[];
  statements: number;
  /** Rows written, every table. */
  written: number;
  ms: number;
  /** Milliseconds by table written. */
  byTable: Record<string, number>;
  /** Tag keys of a group this batch found full (MAX_TAG_VALUES values tracked, the rest under OTHER_TAG). */
  fullTags: { fingerprint: string; key: GroupTagKey }[];
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Writes one batch in one transaction; rejects (the transaction rolled back) when it cannot. The
 * batch's id goes in with it (`applied_batches`): a batch tried again because the answer to its
 * COMMIT was lost is recognised and not counted twice.
 */
export async function flushBatch(pool: pg.Pool, b: FlushBatch, id: BatchId): Promise<FlushResult> {
  const started = performance.now();
  return withClient(pool, (client) => writeBatch(client, b, id, started));
}

async function writeBatch(client: pg.PoolClient, b: FlushBatch, id: BatchId, started: number): Promise<FlushResult> {
  let statements = 0;
  let written = 0;
  const ms: Record<string, number> = {};
  const q = async <R extends pg.QueryResultRow>(sql: string, values: unknown[]) => {
    statements++;
    const t0 = performance.now();
    try {
      return await client.query<R>(sql, values);
    } finally {
      const table = /INTO \S+\.(\w+)/.exec(sql)?.[1] ?? 'other';
      ms[table] = (ms[table] ?? 0) + performance.now() - t0;
    }
  };
  let rows: GroupRow[] = [];
  const fullTags: { fingerprint: string; key: GroupTagKey }[] = [];
  try {
    await client.query('BEGIN');
    const first = await q(
      `INSERT INTO ${SCHEMA}.applied_batches (instance, seq, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING seq`,
      [id.instance, id.seq, Date.now()],
    );
    if (first.rowCount === 0) {
      await client.query('ROLLBACK');
      return { applied: false, rows, statements, written, ms: performance.now() - started, byTable: ms, fullTags };
    }
    const groups = [...b.groups.values()].sort((x, y) => byKey(x.fingerprint, y.fingerprint));
    if (groups.length) {
      const r = await q<GroupRow>(
        `INSERT INTO ${G} (fingerprint, title, type, message, component, category, severity, severity_rank, count, first_seen,
            last_seen, status, status_at, opened_at, last_version, users_exact, users_registers, user_count)
          SELECT fp, title, type, message, component, category, severity, rank, count, first_seen, last_seen, 'unresolved',
            first_seen, first_seen, last_version, users_exact, registers,
            coalesce(jsonb_array_length(users_exact), ${SCHEMA}.hll_count(registers))
          FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::smallint[],
            $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::jsonb[], $14::bytea[])
            AS d(fp, title, type, message, component, category, severity, rank, count, first_seen, last_seen, last_version,
              users_exact, registers)
          ORDER BY fp
        ON CONFLICT (fingerprint) DO UPDATE SET
          count = groups.count + excluded.count,
          first_seen = least(groups.first_seen, excluded.first_seen),
          last_seen = greatest(groups.last_seen, excluded.last_seen),
          severity = CASE WHEN excluded.severity_rank > groups.severity_rank THEN excluded.severity ELSE groups.severity END,
          severity_rank = greatest(groups.severity_rank, excluded.severity_rank),
          last_version = coalesce(excluded.last_version, groups.last_version),
          users_exact = ${SCHEMA}.users_union(groups.users_exact, excluded.users_exact),
          users_registers = ${SCHEMA}.hll_merge(groups.users_registers, excluded.users_registers),
          user_count = coalesce(jsonb_array_length(${SCHEMA}.users_union(groups.users_exact, excluded.users_exact)),
            ${SCHEMA}.hll_count(${SCHEMA}.hll_merge(groups.users_registers, excluded.users_registers)))
        RETURNING *`,
        [
          groups.map((d) => d.fingerprint),
          groups.map((d) => d.title),
          groups.map((d) => d.type ?? null),
          groups.map((d) => d.message),
          groups.map((d) => d.component ?? null),
          groups.map((d) => d.category ?? null),
          groups.map((d) => d.severity),
          groups.map((d) => SEVERITIES.indexOf(d.severity)),
          groups.map((d) => d.count),
          groups.map((d) => d.firstSeen),
          groups.map((d) => d.lastSeen),
          groups.map((d) => d.lastVersion ?? null),
          groups.map((d) => (d.users ? JSON.stringify([...d.users]) : null)),
          groups.map((d) => (d.registers ? Buffer.from(d.registers) : null)),
        ],
      );
      rows = r.rows;
      written += groups.length;
      // The rows are locked until commit: this batch's events are numbers (count - delta, count] of their groups.
      const counts = new Map(rows.map((row) => [row.fingerprint, Number(row.count)]));
      const e = {
        fp: [] as string[],
        slot: [] as number[],
        seq: [] as number[],
        time: [] as number[],
        err: [] as boolean[],
        json: [] as string[],
      };
      for (const d of groups) {
        const total = counts.get(d.fingerprint) ?? d.count;
        if (d.first) {
          e.fp.push(d.fingerprint);
          e.slot.push(FIRST_EVENT_SLOT);
          e.seq.push(1);
          e.time.push(d.first.time);
          e.err.push(d.first.isError);
          e.json.push(d.first.event());
        }
        d.events.forEach((ev, i) => {
          const seq = total - (d.events.length - 1 - i);
          e.fp.push(d.fingerprint);
          e.slot.push(slotOf(seq));
          e.seq.push(seq);
          e.time.push(ev.time);
          e.err.push(ev.isError);
          e.json.push(ev.event());
        });
      }
      if (e.fp.length) {
        await q(
          `INSERT INTO ${SCHEMA}.events (fingerprint, slot, seq, time, is_error, json)
             SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::bigint[], $5::boolean[], $6::text[])
           ON CONFLICT (fingerprint, slot) DO UPDATE SET seq = excluded.seq, time = excluded.time, is_error = excluded.is_error,
             json = excluded.json WHERE events.seq < excluded.seq`,
          [e.fp, e.slot, e.seq, e.time, e.err, e.json],
        );
        written += e.fp.length;
      }
    }
    const tags = {
      fp: [] as string[],
      key: [] as string[],
      value: [] as string[],
      count: [] as number[],
      first: [] as number[],
      last: [] as number[],
    };
    for (const d of groups)
      for (const [key, values] of d.tags)
        for (const [value, t] of values) {
          tags.fp.push(d.fingerprint);
          tags.key.push(key);
          tags.value.push(value);
          tags.count.push(t.count);
          tags.first.push(t.first);
          tags.last.push(t.last);
        }
    if (tags.fp.length) {
      // A value not counted yet gets its own row while the group has fewer than MAX_TAG_VALUES for the key, else
      // counts under OTHER_TAG. Instances flushing new values of one group at once may each take the last places.
      const t = await q<{ fingerprint: string; key: string }>(
        `WITH d AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
             AS d(fingerprint, key, value, count, first_seen, last_seen)),
         t AS (SELECT d.*, g.value IS NOT NULL AS present FROM d
             LEFT JOIN ${SCHEMA}.group_tags g ON g.fingerprint = d.fingerprint AND g.key = d.key AND g.value = d.value),
         known AS (SELECT g.fingerprint, g.key, count(*) AS n FROM ${SCHEMA}.group_tags g
             JOIN (SELECT DISTINCT fingerprint, key FROM d) k ON k.fingerprint = g.fingerprint AND k.key = g.key
             WHERE g.value <> $7 GROUP BY 1, 2),
         r AS (SELECT t.*, coalesce(known.n, 0) AS known,
             row_number() OVER (PARTITION BY t.fingerprint, t.key, t.present ORDER BY t.first_seen, t.value) AS place
           FROM t LEFT JOIN known ON known.fingerprint = t.fingerprint AND known.key = t.key),
         target AS (SELECT fingerprint, key, CASE WHEN present OR known + place <= $8 THEN value ELSE $7 END AS value,
             sum(count)::bigint AS count, min(first_seen) AS first_seen, max(last_seen) AS last_seen FROM r GROUP BY 1, 2, 3)
         INSERT INTO ${SCHEMA}.group_tags SELECT * FROM target ORDER BY 1, 2, 3
         ON CONFLICT (fingerprint, key, value) DO UPDATE SET count = group_tags.count + excluded.count,
           first_seen = least(group_tags.first_seen, excluded.first_seen), last_seen = greatest(group_tags.last_seen, excluded.last_seen)
         RETURNING fingerprint, key, value`,
        [tags.fp, tags.key, tags.value, tags.count, tags.first, tags.last, OTHER_TAG, MAX_TAG_VALUES],
      );
      // A key whose values overflowed into OTHER_TAG is full: its tracked values will not change.
      for (const row of t.rows as { fingerprint: string; key: string; value: string }[])
        if (row.value === OTHER_TAG) fullTags.push({ fingerprint: row.fingerprint, key: row.key as GroupTagKey });
      written += tags.fp.length;
    }
    if (b.alerts.length) {
      const a = b.alerts;
      await q(
        `INSERT INTO ${SCHEMA}.alerts (fingerprint, at, reason, rule, detail)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])`,
        [
          a.map((x) => x.fingerprint),
          a.map((x) => x.at),
          a.map((x) => x.reason),
          a.map((x) => x.rule ?? null),
          a.map((x) => x.detail ?? null),
        ],
      );
      written += a.length;
    }
    if (b.minutes.size) {
      const m = [...b.minutes.values()].sort((x, y) => x.minute - y.minute || byKey(x.fingerprint, y.fingerprint));
      await q(
        `INSERT INTO ${SCHEMA}.minutes SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) ORDER BY 1, 2
         ON CONFLICT (minute, fingerprint) DO UPDATE SET count = minutes.count + excluded.count, errors = minutes.errors + excluded.errors`,
        [m.map((x) => x.minute), m.map((x) => x.fingerprint), m.map((x) => x.count), m.map((x) => x.errors)],
      );
      written += m.length;
    }
    if (b.totals.size) {
      const t = [...b.totals].sort(([x], [y]) => x - y);
      await q(
        `INSERT INTO ${SCHEMA}.totals SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) ORDER BY 1
         ON CONFLICT (minute) DO UPDATE SET events = totals.events + excluded.events, errors = totals.errors + excluded.errors`,
        [t.map(([k]) => k), t.map(([, v]) => v.events), t.map(([, v]) => v.errors)],
      );
      written += t.length;
    }
    if (b.users.size) {
      const u = [...b.users].sort(([x], [y]) => byKey(x, y));
      await q(
        `INSERT INTO ${SCHEMA}.users SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1
         ON CONFLICT (user_id) DO UPDATE SET last_seen = greatest(users.last_seen, excluded.last_seen)`,
        [u.map(([k]) => k), u.map(([, v]) => v)],
      );
      written += u.length;
    }
    if (b.releases.length) {
      await q(
        `INSERT INTO ${SCHEMA}.releases SELECT v, nextval('${SCHEMA}.release_seq') FROM unnest($1::text[]) WITH ORDINALITY AS r(v, n)
           ORDER BY n ON CONFLICT (version) DO NOTHING`,
        [b.releases],
      );
      written += b.releases.length;
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { applied: true, rows, statements, written, ms: performance.now() - started, byTable: ms, fullTags };
}
