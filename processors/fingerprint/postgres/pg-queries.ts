/**
 * What the dashboard and the SDK's groups API read from the PostgreSQL store: the fleet's groups,
 * one group with its events and history, metrics over a range. The same answers as the SQLite
 * store's queries (group-queries.ts), from the shared tables.
 */
import type pg from 'pg';
import type { EventJson } from '../../../model/event-json.ts';
import type {
  DashboardMetrics,
  GroupAlert,
  GroupDetail,
  GroupEvent,
  GroupEventChoice,
  GroupFacets,
  GroupListOptions,
  GroupStatus,
  GroupSummary,
  GroupTag,
  GroupTagKey,
  TrendPoint,
} from '../../../model/groups.ts';
import { SEVERITIES } from '../../../model/severity.ts';
import { MAX_ALERTS, MINUTE, OTHER_TAG } from '../group-schema.ts';
import { groupSummaries, TREND_MINUTES } from '../group-summaries.ts';
import { groupTags } from '../tag-rows.ts';
import { bucketed } from '../trend-buckets.ts';
import type { GroupRow } from './pg-group-row.ts';
import { SCHEMA } from './pg-schema.ts';

const G = `${SCHEMA}.groups`;
/** The range `priority` ranks recent volume over when the list names none. */
const PRIORITY_RANGE_MS = 3_600_000;

export class PgQueries {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async list(options: GroupListOptions, now: number): Promise<GroupSummary[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (options.status) where.push(`g.status = ${arg(options.status)}`);
    if (options.query) {
      const p = arg(`%${options.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(g.title ILIKE ${p} OR g.message ILIKE ${p} OR g.type ILIKE ${p} OR g.component ILIKE ${p})`);
    }
    if (options.minSeverity) where.push(`g.severity_rank >= ${arg(SEVERITIES.indexOf(options.minSeverity))}`);
    for (const key of ['service', 'environment', 'release'] as const) {
      const value = options[key];
      if (value === undefined) continue;
      where.push(`g.fingerprint IN (SELECT fingerprint FROM ${SCHEMA}.group_tags WHERE key = ${arg(key)} AND value = ${arg(value)})`);
    }
    if (options.rangeMs !== undefined) where.push(`g.last_seen >= ${arg(now - options.rangeMs)}`);
    const ranged = options.rangeMs !== undefined || options.sort === 'priority';
    const fromMinute = Math.floor((now - (options.rangeMs ?? PRIORITY_RANGE_MS)) / MINUTE);
    const order = {
      last_seen: 'g.last_seen DESC',
      first_seen: 'g.first_seen DESC',
      count: 'g.count DESC',
      users: 'g.user_count DESC',
      priority: 'g.severity_rank DESC, range_count DESC, g.last_seen DESC',
    }[options.sort ?? 'last_seen'];
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const join = ranged
      ? `LEFT JOIN (SELECT fingerprint, sum(count) AS n FROM ${SCHEMA}.minutes WHERE minute >= ${arg(fromMinute)} GROUP BY fingerprint) r
           ON r.fingerprint = g.fingerprint`
      : '';
    const r = await this.#pool.query<GroupRow & { range_count?: string }>(
      `SELECT g.*${ranged ? ', coalesce(r.n, 0) AS range_count' : ''} FROM ${G} g ${join}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}, g.fingerprint LIMIT ${limit}`,
      args,
    );
    return this.#summaries(r.rows, now);
  }

  async get(fingerprint: string, now: number): Promise<GroupDetail | undefined> {
    const r = await this.#pool.query<GroupRow>(`SELECT * FROM ${G} WHERE fingerprint = $1`, [fingerprint]);
    const row = r.rows[0];
    if (!row) return undefined;
    const [summary] = await this.#summaries([row], now);
    const [events, history, alerts, first] = await Promise.all([
      this.#pool.query<{ json: string }>(
        `SELECT json FROM ${SCHEMA}.events WHERE fingerprint = $1 AND slot >= 0 ORDER BY seq DESC LIMIT 10`,
        [fingerprint],
      ),
      this.#pool.query<{ status: GroupStatus; at: string }>(
        `SELECT status, at FROM ${SCHEMA}.status_changes WHERE fingerprint = $1 ORDER BY id`,
        [fingerprint],
      ),
      this.#pool.query<{ at: string; reason: string; rule: string | null; detail: string | null }>(
        `SELECT at, reason, rule, detail FROM ${SCHEMA}.alerts WHERE fingerprint = $1 ORDER BY at DESC, id DESC LIMIT ${MAX_ALERTS}`,
        [fingerprint],
      ),
      this.#pool.query<{ value: string }>(
        `SELECT value FROM ${SCHEMA}.group_tags WHERE fingerprint = $1 AND key = 'release' AND value <> $2 ORDER BY first_seen LIMIT 1`,
        [fingerprint, OTHER_TAG],
      ),
    ]);
    const changes = [
      { status: 'unresolved' as GroupStatus, at: Number(row.first_seen) },
      ...history.rows.map((h) => ({ status: h.status, at: Number(h.at) })),
    ];
    const detail: GroupDetail = {
      ...summary,
      events: events.rows.map((e) => JSON.parse(e.json) as EventJson),
      history: changes.map((h) => ({ status: h.status, at: new Date(h.at).toISOString() })),
      alerts: alerts.rows.map((a) => {
        const alert: GroupAlert = { at: new Date(Number(a.at)).toISOString(), reason: a.reason };
        if (a.rule !== null) alert.rule = a.rule;
        if (a.detail !== null) alert.detail = a.detail;
        return alert;
      }),
    };
    if (first.rows[0]) detail.first_release = first.rows[0].value;
    return detail;
  }

  /** One stored event of a group and its stored neighbours (the ring and the first event share seq 1 while both hold it). */
  async event(fingerprint: string, which: GroupEventChoice): Promise<GroupEvent | undefined> {
    const r = await this.#pool.query<{ seq: string }>(`SELECT DISTINCT seq FROM ${SCHEMA}.events WHERE fingerprint = $1 ORDER BY seq`, [
      fingerprint,
    ]);
    const seqs = r.rows.map((x) => Number(x.seq));
    if (seqs.length === 0) return undefined;
    const seq = which === 'latest' ? seqs[seqs.length - 1] : which === 'oldest' ? seqs[0] : which;
    const i = seqs.indexOf(seq);
    if (i === -1) return undefined;
    const row = await this.#pool.query<{ json: string }>(`SELECT json FROM ${SCHEMA}.events WHERE fingerprint = $1 AND seq = $2 LIMIT 1`, [
      fingerprint,
      seq,
    ]);
    if (!row.rows[0]) return undefined;
    const out: GroupEvent = {
      seq,
      event: JSON.parse(row.rows[0].json) as EventJson,
      oldest: seqs[0],
      latest: seqs[seqs.length - 1],
      stored: seqs.length,
    };
    if (i > 0) out.previous = seqs[i - 1];
    if (i < seqs.length - 1) out.next = seqs[i + 1];
    return out;
  }

  async tags(fingerprint: string): Promise<GroupTag[] | undefined> {
    const known = await this.#pool.query(`SELECT 1 FROM ${G} WHERE fingerprint = $1`, [fingerprint]);
    if (known.rows.length === 0) return undefined;
    const r = await this.#pool.query<{ key: GroupTagKey; value: string; count: string; first_seen: string; last_seen: string }>(
      `SELECT key, value, count, first_seen, last_seen FROM ${SCHEMA}.group_tags WHERE fingerprint = $1 ORDER BY key, count DESC, value`,
      [fingerprint],
    );
    return groupTags(r.rows);
  }

  async series(fingerprint: string, rangeMs: number, now: number): Promise<TrendPoint[]> {
    const fromMinute = Math.floor((now - rangeMs) / MINUTE);
    const r = await this.#pool.query<{ minute: string; events: string; errors: string }>(
      `SELECT minute, count AS events, errors FROM ${SCHEMA}.minutes WHERE fingerprint = $1 AND minute >= $2 ORDER BY minute`,
      [fingerprint, fromMinute],
    );
    return bucketed(r.rows, fromMinute, Math.floor(now / MINUTE));
  }

  async facets(): Promise<GroupFacets> {
    const values = async (key: string) =>
      (
        await this.#pool.query<{ value: string }>(
          `SELECT value FROM ${SCHEMA}.group_tags WHERE key = $1 AND value <> $2 GROUP BY value ORDER BY sum(count) DESC, value LIMIT 100`,
          [key, OTHER_TAG],
        )
      ).rows.map((x) => x.value);
    const [service, environment, release] = await Promise.all([values('service'), values('environment'), values('release')]);
    return { service, environment, release };
  }

  async #summaries(rows: (GroupRow & { range_count?: string })[], now: number): Promise<GroupSummary[]> {
    if (rows.length === 0) return [];
    const fps = rows.map((r) => r.fingerprint);
    const [minutes, services] = await Promise.all([
      this.#pool.query<{ fingerprint: string; minute: string; count: string }>(
        `SELECT fingerprint, minute, count FROM ${SCHEMA}.minutes WHERE minute > $1 AND fingerprint = ANY($2)`,
        [Math.floor(now / MINUTE) - TREND_MINUTES, fps],
      ),
      this.#pool.query<{ fingerprint: string; value: string }>(
        `SELECT fingerprint, value FROM ${SCHEMA}.group_tags WHERE key = 'service' AND value <> $1 AND fingerprint = ANY($2) ORDER BY count, value`,
        [OTHER_TAG, fps],
      ),
    ]);
    return groupSummaries(rows, { minutes: minutes.rows, services: services.rows }, now);
  }

  async metrics(rangeMs: number, now: number): Promise<DashboardMetrics> {
    const fromMinute = Math.floor((now - rangeMs) / MINUTE);
    const nowMinute = Math.floor(now / MINUTE);
    const p = this.#pool;
    const [totals, users, mttr, byType, top, recent, series] = await Promise.all([
      p.query<{ events: string; errors: string }>(
        `SELECT coalesce(sum(events), 0) AS events, coalesce(sum(errors), 0) AS errors FROM ${SCHEMA}.totals WHERE minute >= $1`,
        [fromMinute],
      ),
      p.query<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.users WHERE last_seen >= $1`, [now - rangeMs]),
      p.query<{ ms: string | null }>(
        `SELECT avg(at - opened_at) AS ms FROM ${SCHEMA}.status_changes WHERE status = 'resolved' AND at >= $1`,
        [now - rangeMs],
      ),
      p.query<{ type: string; n: string }>(
        `SELECT coalesce(g.type, g.title) AS type, sum(m.errors) AS n FROM ${SCHEMA}.minutes m JOIN ${G} g ON g.fingerprint = m.fingerprint
          WHERE m.minute >= $1 AND m.errors > 0 GROUP BY 1 ORDER BY n DESC LIMIT 20`,
        [fromMinute],
      ),
      p.query<GroupRow & { n: string }>(
        `SELECT g.*, t.n FROM (SELECT fingerprint, sum(errors) AS n FROM ${SCHEMA}.minutes WHERE minute >= $1 AND errors > 0
           GROUP BY fingerprint ORDER BY n DESC LIMIT 10) t JOIN ${G} g USING (fingerprint) ORDER BY t.n DESC`,
        [fromMinute],
      ),
      p.query<{ json: string }>(
        `SELECT json FROM ${SCHEMA}.events WHERE is_error AND time >= $1 AND slot >= 0 ORDER BY time DESC LIMIT 50`,
        [now - rangeMs],
      ),
      p.query<{ minute: string; events: string; errors: string }>(
        `SELECT minute, events, errors FROM ${SCHEMA}.totals WHERE minute >= $1 ORDER BY minute`,
        [fromMinute],
      ),
    ]);
    const topSummaries = await this.#summaries(top.rows, now);
    const rangeMinutes = Math.max(1, Math.round(rangeMs / MINUTE));
    const trend = bucketed(series.rows, fromMinute, nowMinute);
    const totalEvents = Number(totals.rows[0].events);
    const totalErrors = Number(totals.rows[0].errors);
    const ms = mttr.rows[0].ms;
    return {
      range_seconds: Math.round(rangeMs / 1000),
      total_events: totalEvents,
      total_errors: totalErrors,
      error_rate: totalErrors / rangeMinutes,
      error_share: totalEvents > 0 ? totalErrors / totalEvents : 0,
      affected_users: Number(users.rows[0].n),
      mttr_seconds: ms === null ? null : Math.round(Number(ms) / 1000),
      distribution: byType.rows.map((d) => ({
        type: d.type,
        count: Number(d.n),
        percent: totalErrors ? (100 * Number(d.n)) / totalErrors : 0,
      })),
      top_errors: topSummaries.map((s, i) => ({ ...s, range_count: Number(top.rows[i].n) })),
      recent_errors: recent.rows.map((e) => JSON.parse(e.json) as EventJson),
      trend,
    };
  }
}
