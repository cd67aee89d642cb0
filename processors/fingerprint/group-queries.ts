import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EventJson } from '../../model/event-json.ts';
import type { DashboardMetrics, GroupDetail, GroupListOptions, GroupStatus, GroupSummary } from '../../model/groups.ts';
import type { Severity } from '../../model/severity.ts';
import { ignoreTargets, MINUTE } from './group-schema.ts';

/**
 * What the dashboard and the SDK's groups API read: lists, one group, metrics over a range, from
 * the store's connection. The store flushes first, so the rows are what it has counted.
 */
export class GroupQueries {
  readonly #db: DatabaseSync;
  readonly #getGroup: StatementSync;

  /** `getGroup` selects one group's row by fingerprint (the store prepares it for its own look-ups too). */
  constructor(db: DatabaseSync, getGroup: StatementSync) {
    this.#db = db;
    this.#getGroup = getGroup;
  }

  list(options: GroupListOptions, now: number): GroupSummary[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (options.status) {
      where.push('status = ?');
      args.push(options.status);
    }
    if (options.query) {
      where.push("(title LIKE ? ESCAPE '\\' OR message LIKE ? ESCAPE '\\' OR type LIKE ? ESCAPE '\\' OR component LIKE ? ESCAPE '\\')");
      const like = `%${options.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(like, like, like, like);
    }
    const order = { last_seen: 'last_seen', first_seen: 'first_seen', count: 'count', users: 'user_count' }[options.sort ?? 'last_seen'];
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const rows = this.#db
      .prepare(`SELECT * FROM groups ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} DESC LIMIT ${limit}`)
      .all(...args) as Record<string, unknown>[];
    return this.#summaries(rows, now);
  }

  get(fingerprint: string, now: number): GroupDetail | undefined {
    const row = this.#getGroup.get(fingerprint) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const [summary] = this.#summaries([row], now);
    const events = (
      this.#db.prepare('SELECT json FROM events WHERE fingerprint = ? ORDER BY seq DESC LIMIT 10').all(fingerprint) as { json: string }[]
    ).map((e) => JSON.parse(e.json) as EventJson);
    const history = (
      this.#db.prepare('SELECT status, at FROM status_changes WHERE fingerprint = ? ORDER BY rowid').all(fingerprint) as {
        status: GroupStatus;
        at: number;
      }[]
    ).filter((h, i) => i > 0 || h.status !== 'unresolved' || h.at !== Number(row.first_seen)); // files from before the opening row was dropped
    history.unshift({ status: 'unresolved', at: Number(row.first_seen) });
    return { ...summary, events, history: history.map((h) => ({ status: h.status, at: new Date(h.at).toISOString() })) };
  }

  #summaries(rows: Record<string, unknown>[], now: number): GroupSummary[] {
    if (rows.length === 0) return [];
    const nowMinute = Math.floor(now / MINUTE);
    const trends = new Map<string, number[]>();
    const placeholders = rows.map(() => '?').join(',');
    const minuteRows = this.#db
      .prepare(`SELECT fingerprint, minute, count FROM minutes WHERE minute > ? AND fingerprint IN (${placeholders})`)
      .all(nowMinute - 60, ...rows.map((r) => r.fingerprint as string)) as { fingerprint: string; minute: number; count: number }[];
    for (const m of minuteRows) {
      let t = trends.get(m.fingerprint);
      if (!t) trends.set(m.fingerprint, (t = new Array(60).fill(0)));
      const i = 59 - (nowMinute - m.minute);
      if (i >= 0 && i < 60) t[i] += m.count;
    }
    return rows.map((r) => {
      const summary: GroupSummary = {
        fingerprint: r.fingerprint as string,
        title: r.title as string,
        message: r.message as string,
        severity: r.severity as Severity,
        count: Number(r.count),
        users: Number(r.user_count),
        first_seen: new Date(Number(r.first_seen)).toISOString(),
        last_seen: new Date(Number(r.last_seen)).toISOString(),
        status: r.status as GroupStatus,
        trend: trends.get(r.fingerprint as string) ?? new Array(60).fill(0),
      };
      if (r.type) summary.type = r.type as string;
      if (r.component) summary.component = r.component as string;
      if (r.category) summary.category = r.category as string;
      if (r.status === 'resolved') summary.resolved_at = new Date(Number(r.status_at)).toISOString();
      const until = ignoreTargets(r);
      if (until) {
        summary.ignored_until = {};
        if (until.count !== undefined) summary.ignored_until.count = until.count;
        if (until.users !== undefined) summary.ignored_until.users = until.users;
        if (until.time !== undefined) summary.ignored_until.time = new Date(until.time).toISOString();
      }
      return summary;
    });
  }

  /** Dashboard metrics over the last `rangeMs`. */
  metrics(rangeMs: number, now: number): DashboardMetrics {
    const fromMinute = Math.floor((now - rangeMs) / MINUTE);
    const nowMinute = Math.floor(now / MINUTE);
    const totals = this.#db
      .prepare('SELECT COALESCE(SUM(events),0) AS events, COALESCE(SUM(errors),0) AS errors FROM totals WHERE minute >= ?')
      .get(fromMinute) as {
      events: number;
      errors: number;
    };
    const users = this.#db.prepare('SELECT COUNT(*) AS n FROM users WHERE last_seen >= ?').get(now - rangeMs) as { n: number };
    const mttr = this.#db
      .prepare("SELECT AVG(at - opened_at) AS ms FROM status_changes WHERE status = 'resolved' AND at >= ?")
      .get(now - rangeMs) as { ms: number | null };
    const byType = this.#db
      .prepare(
        `SELECT COALESCE(g.type, g.title) AS type, SUM(m.errors) AS n FROM minutes m JOIN groups g ON g.fingerprint = m.fingerprint
         WHERE m.minute >= ? AND m.errors > 0 GROUP BY 1 ORDER BY n DESC LIMIT 20`,
      )
      .all(fromMinute) as { type: string; n: number }[];
    const top = this.#db
      .prepare(
        'SELECT fingerprint, SUM(errors) AS n FROM minutes WHERE minute >= ? AND errors > 0 GROUP BY fingerprint ORDER BY n DESC LIMIT 10',
      )
      .all(fromMinute) as { fingerprint: string; n: number }[];
    const topRows = top
      .map((t) => this.#getGroup.get(t.fingerprint) as Record<string, unknown> | undefined)
      .filter((r): r is Record<string, unknown> => r !== undefined);
    const topSummaries = this.#summaries(topRows, now);
    const recent = (
      this.#db.prepare('SELECT json FROM events WHERE is_error = 1 AND time >= ? ORDER BY time DESC LIMIT 50').all(now - rangeMs) as {
        json: string;
      }[]
    ).map((e) => JSON.parse(e.json) as EventJson);
    const rangeMinutes = Math.max(1, Math.round(rangeMs / MINUTE));
    const minutes = nowMinute - fromMinute + 1;
    const bucket = Math.max(1, Math.ceil(minutes / 60));
    const series = this.#db.prepare('SELECT minute, events, errors FROM totals WHERE minute >= ? ORDER BY minute').all(fromMinute) as {
      minute: number;
      events: number;
      errors: number;
    }[];
    const buckets = Math.ceil(minutes / bucket);
    const trend = Array.from({ length: buckets }, (_, i) => ({
      time: new Date((fromMinute + i * bucket) * MINUTE).toISOString(),
      events: 0,
      errors: 0,
    }));
    for (const s of series) {
      const i = Math.floor((s.minute - fromMinute) / bucket);
      if (i >= 0 && i < buckets) {
        trend[i].events += s.events;
        trend[i].errors += s.errors;
      }
    }
    const totalErrors = Number(totals.errors);
    return {
      range_seconds: Math.round(rangeMs / 1000),
      total_events: Number(totals.events),
      total_errors: totalErrors,
      error_rate: totalErrors / rangeMinutes,
      error_share: totals.events > 0 ? totalErrors / Number(totals.events) : 0,
      affected_users: Number(users.n),
      mttr_seconds: mttr.ms === null ? null : Math.round(Number(mttr.ms) / 1000),
      distribution: byType.map((d) => ({ type: d.type, count: Number(d.n), percent: totalErrors ? (100 * Number(d.n)) / totalErrors : 0 })),
      top_errors: topSummaries.map((s) => ({ ...s, range_count: Number(top.find((t) => t.fingerprint === s.fingerprint)?.n ?? 0) })),
      recent_errors: recent,
      trend,
    };
  }
}
