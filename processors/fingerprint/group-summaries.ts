import type { GroupStatus, GroupSummary } from '../../model/groups.ts';
import type { Severity } from '../../model/severity.ts';
import { ignoreTargets, MINUTE } from './group-schema.ts';
import type { GroupColumns } from './group-store.ts';

/** A groups row as the list reads it: its columns, its user count, and its events in the range when asked. */
export interface SummaryColumns extends GroupColumns {
  user_count: number | string;
  range_count?: number | string;
}

/** What both stores' queries read beside the groups rows: per-minute counts, and service tags (the most frequent last). */
export interface SummaryExtras {
  minutes: readonly { fingerprint: string; minute: number | string; count: number | string }[];
  services: readonly { fingerprint: string; value: string }[];
}

/** The minutes the list's trend spans (the last hour, oldest first). */
export const TREND_MINUTES = 60;

/** Groups rows as the list and the dashboard show them (every store's). */
export function groupSummaries(rows: readonly SummaryColumns[], extras: SummaryExtras, now: number): GroupSummary[] {
  const nowMinute = Math.floor(now / MINUTE);
  const trends = new Map<string, number[]>();
  for (const m of extras.minutes) {
    let t = trends.get(m.fingerprint);
    if (!t) trends.set(m.fingerprint, (t = new Array(TREND_MINUTES).fill(0)));
    const i = TREND_MINUTES - 1 - (nowMinute - Number(m.minute));
    if (i >= 0 && i < TREND_MINUTES) t[i] += Number(m.count);
  }
  const services = new Map<string, string>();
  for (const s of extras.services) services.set(s.fingerprint, s.value);
  return rows.map((r) => {
    const summary: GroupSummary = {
      fingerprint: r.fingerprint,
      title: r.title,
      message: r.message,
      severity: r.severity as Severity,
      count: Number(r.count),
      users: Number(r.user_count),
      first_seen: new Date(Number(r.first_seen)).toISOString(),
      last_seen: new Date(Number(r.last_seen)).toISOString(),
      status: r.status as GroupStatus,
      trend: trends.get(r.fingerprint) ?? new Array(TREND_MINUTES).fill(0),
    };
    if (r.type) summary.type = r.type;
    if (r.component) summary.component = r.component;
    if (r.category) summary.category = r.category;
    if (r.status === 'resolved') summary.resolved_at = new Date(Number(r.status_at)).toISOString();
    const service = services.get(r.fingerprint);
    if (service !== undefined) summary.service = service;
    if (r.last_version) summary.last_release = r.last_version;
    if (r.range_count !== undefined) summary.range_count = Number(r.range_count);
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
