import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EventJson } from '../../model/event-json.ts';
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
  TrendPoint,
} from '../../model/groups.ts';
import { SEVERITIES } from '../../model/severity.ts';
import { MAX_ALERTS, MINUTE, OTHER_TAG } from './group-schema.ts';
import { groupSummaries, type SummaryColumns, TREND_MINUTES } from './group-summaries.ts';
import { groupTags, type TagRow } from './tag-rows.ts';
import { bucketed } from './trend-buckets.ts';

/** A severity's rank in SQL (the groups row keeps the name). */
const SEVERITY_RANK = `CASE g.severity ${SEVERITIES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE 0 END`;
/** The range `priority` ranks recent volume over when the list names none. */
const PRIORITY_RANGE_MS = 3_600_000;

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
      where.push('g.status = ?');
      args.push(options.status);
    }
    if (options.query) {
      where.push(
        "(g.title LIKE ? ESCAPE '\\' OR g.message LIKE ? ESCAPE '\\' OR g.type LIKE ? ESCAPE '\\' OR g.component LIKE ? ESCAPE '\\')",
      );
      const like = `%${options.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(like, like, like, like);
    }
    if (options.minSeverity) {
      const levels = SEVERITIES.slice(SEVERITIES.indexOf(options.minSeverity));
      where.push(`g.severity IN (${levels.map(() => '?').join(',')})`);
      args.push(...levels);
    }
    for (const key of ['service', 'environment', 'release'] as const) {
      const value = options[key];
      if (value === undefined) continue;
      where.push('g.gid IN (SELECT gid FROM tag_counts WHERE key = ? AND value = ?)');
      args.push(key, value);
    }
    if (options.rangeMs !== undefined) {
      where.push('g.last_seen >= ?');
      args.push(now - options.rangeMs);
    }
    const ranged = options.rangeMs !== undefined || options.sort === 'priority';
    const fromMinute = Math.floor((now - (options.rangeMs ?? PRIORITY_RANGE_MS)) / MINUTE);
    const order = {
      last_seen: 'g.last_seen DESC',
      first_seen: 'g.first_seen DESC',
      count: 'g.count DESC',
      users: 'g.user_count DESC',
      priority: `${SEVERITY_RANK} DESC, range_count DESC, g.last_seen DESC`,
    }[options.sort ?? 'last_seen'];
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const join = ranged
      ? 'LEFT JOIN (SELECT fingerprint, SUM(count) AS n FROM minutes WHERE minute >= ? GROUP BY fingerprint) r ON r.fingerprint = g.fingerprint'
      : '';
    const rows = this.#db
      .prepare(
        `SELECT g.*${ranged ? ', COALESCE(r.n, 0) AS range_count' : ''} FROM groups g ${join}
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limit}`,
      )
      .all(...(ranged ? [fromMinute] : []), ...args) as Record<string, unknown>[];
    return this.#summaries(rows, now);
  }

  get(fingerprint: string, now: number): GroupDetail | undefined {
    const row = this.#getGroup.get(fingerprint) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const [summary] = this.#summaries([row], now);
    const events = (
      this.#db.prepare('SELECT json FROM events WHERE fingerprint = ? AND slot >= 0 ORDER BY seq DESC LIMIT 10').all(fingerprint) as {
        json: string;
      }[]
    ).map((e) => JSON.parse(e.json) as EventJson);
    const history = (
      this.#db.prepare('SELECT status, at FROM status_changes WHERE fingerprint = ? ORDER BY rowid').all(fingerprint) as {
        status: GroupStatus;
        at: number;
      }[]
    ).filter((h, i) => i > 0 || h.status !== 'unresolved' || h.at !== Number(row.first_seen)); // files from before the opening row was dropped
    history.unshift({ status: 'unresolved', at: Number(row.first_seen) });
    const alerts = (
      this.#db
        .prepare(`SELECT at, reason, rule, detail FROM alerts WHERE fingerprint = ? ORDER BY at DESC, rowid DESC LIMIT ${MAX_ALERTS}`)
        .all(fingerprint) as { at: number; reason: string; rule: string | null; detail: string | null }[]
    ).map((a) => {
      const alert: GroupAlert = { at: new Date(a.at).toISOString(), reason: a.reason };
      if (a.rule !== null) alert.rule = a.rule;
      if (a.detail !== null) alert.detail = a.detail;
      return alert;
    });
    const detail: GroupDetail = {
      ...summary,
      events,
      history: history.map((h) => ({ status: h.status, at: new Date(h.at).toISOString() })),
      alerts,
    };
    // The release of the first event: the release tag first seen (exact while the group has at most 50 releases).
    const first = this.#db
      .prepare(
        "SELECT value FROM tag_counts WHERE gid = (SELECT gid FROM groups WHERE fingerprint = ?) AND key = 'release' AND value != ? ORDER BY first_seen LIMIT 1",
      )
      .get(fingerprint, OTHER_TAG) as { value: string } | undefined;
    if (first) detail.first_release = first.value;
    return detail;
  }

  /** One stored event of a group and its stored neighbours (the ring and the first event share seq 1 while both hold it). */
  event(fingerprint: string, which: GroupEventChoice): GroupEvent | undefined {
    const seqs = (
      this.#db.prepare('SELECT DISTINCT seq FROM events WHERE fingerprint = ? ORDER BY seq').all(fingerprint) as { seq: number }[]
    ).map((r) => Number(r.seq));
    if (seqs.length === 0) return undefined;
    const seq = which === 'latest' ? seqs[seqs.length - 1] : which === 'oldest' ? seqs[0] : which;
    const i = seqs.indexOf(seq);
    if (i === -1) return undefined;
    const row = this.#db.prepare('SELECT json FROM events WHERE fingerprint = ? AND seq = ? LIMIT 1').get(fingerprint, seq) as {
      json: string;
    };
    const out: GroupEvent = {
      seq,
      event: JSON.parse(row.json) as EventJson,
      oldest: seqs[0],
      latest: seqs[seqs.length - 1],
      stored: seqs.length,
    };
    if (i > 0) out.previous = seqs[i - 1];
    if (i < seqs.length - 1) out.next = seqs[i + 1];
    return out;
  }

  tags(fingerprint: string): GroupTag[] | undefined {
    if (!this.#getGroup.get(fingerprint)) return undefined;
    const rows = this.#db
      .prepare(
        'SELECT key, value, count, first_seen, last_seen FROM tag_counts WHERE gid = (SELECT gid FROM groups WHERE fingerprint = ?) ORDER BY key, count DESC, value',
      )
      .all(fingerprint) as unknown as TagRow[];
    return groupTags(rows);
  }

  series(fingerprint: string, rangeMs: number, now: number): TrendPoint[] {
    const fromMinute = Math.floor((now - rangeMs) / MINUTE);
    const rows = this.#db
      .prepare('SELECT minute, count AS events, errors FROM minutes WHERE fingerprint = ? AND minute >= ? ORDER BY minute')
      .all(fingerprint, fromMinute) as { minute: number; events: number; errors: number }[];
    return bucketed(rows, fromMinute, Math.floor(now / MINUTE));
  }

  facets(): GroupFacets {
    const values = (key: string) =>
      (
        this.#db
          .prepare('SELECT value FROM tag_counts WHERE key = ? AND value != ? GROUP BY value ORDER BY SUM(count) DESC LIMIT 100')
          .all(key, OTHER_TAG) as { value: string }[]
      ).map((r) => r.value);
    return { service: values('service'), environment: values('environment'), release: values('release') };
  }

  #summaries(rows: Record<string, unknown>[], now: number): GroupSummary[] {
    if (rows.length === 0) return [];
    const placeholders = rows.map(() => '?').join(',');
    const fps = rows.map((r) => r.fingerprint as string);
    const minutes = this.#db
      .prepare(`SELECT fingerprint, minute, count FROM minutes WHERE minute > ? AND fingerprint IN (${placeholders})`)
      .all(Math.floor(now / MINUTE) - TREND_MINUTES, ...fps) as { fingerprint: string; minute: number; count: number }[];
    const services = this.#db
      .prepare(
        `SELECT g.fingerprint, t.value FROM tag_counts t JOIN groups g ON g.gid = t.gid WHERE t.key = 'service' AND t.value != ? AND g.fingerprint IN (${placeholders}) ORDER BY t.count`,
      )
      .all(OTHER_TAG, ...fps) as { fingerprint: string; value: string }[];
    return groupSummaries(rows as unknown as SummaryColumns[], { minutes, services }, now);
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
      this.#db
        .prepare('SELECT json FROM events WHERE is_error = 1 AND time >= ? AND slot >= 0 ORDER BY time DESC LIMIT 50')
        .all(now - rangeMs) as {
        json: string;
      }[]
    ).map((e) => JSON.parse(e.json) as EventJson);
    const rangeMinutes = Math.max(1, Math.round(rangeMs / MINUTE));
    const series = this.#db.prepare('SELECT minute, events, errors FROM totals WHERE minute >= ? ORDER BY minute').all(fromMinute) as {
      minute: number;
      events: number;
      errors: number;
    }[];
    const trend = bucketed(series, fromMinute, nowMinute);
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
