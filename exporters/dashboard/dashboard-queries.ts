import type { AnyValue } from '@opentelemetry/api';
import type { EventJson } from '../../model/event-json.ts';
import {
  type DashboardMetrics,
  GROUP_STATUSES,
  type GroupDetail,
  type GroupListOptions,
  type GroupReader,
  type GroupStatus,
  type GroupStoreStats,
  type GroupTag,
  type IgnoreCondition,
} from '../../model/groups.ts';
import { parseSeverity } from '../../model/severity.ts';
import type { Telemetry } from '../../model/telemetry.ts';
import type { EventStore } from './event-store.ts';

/**
 * What the dashboard's API answers, computed once for its HTTP server and for the SDK's in-process
 * calls (sdk/groups.ts), so both give the same data for the same state.
 */

/** The ranges metrics are computed over. */
export const METRICS_RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type MetricsRange = keyof typeof METRICS_RANGES;
export const RANGE_ERROR = `range must be one of ${Object.keys(METRICS_RANGES).join(', ')}`;

/** The range's length in ms; undefined for anything else (`constructor` included). */
export function rangeMs(range: unknown): number | undefined {
  return typeof range === 'string' && Object.hasOwn(METRICS_RANGES, range) ? METRICS_RANGES[range as MetricsRange] : undefined;
}

export const GROUP_SORTS: readonly NonNullable<GroupListOptions['sort']>[] = ['last_seen', 'first_seen', 'count', 'users', 'priority'];

/** What a list may be asked for, as the query parameters of `GET /api/groups` name it. */
export interface RawGroupListOptions {
  status?: unknown;
  sort?: unknown;
  query?: unknown;
  limit?: unknown;
  /** A severity: groups at it or above; `all` (or absent): every level. */
  level?: unknown;
  service?: unknown;
  environment?: unknown;
  release?: unknown;
  /** One of METRICS_RANGES: groups seen in it, with `range_count`. */
  range?: unknown;
}

/**
 * List options from untrusted input (query parameters, a JavaScript caller): values that are not
 * understood are left out of `options` and named in `invalid`.
 */
export function groupListOptions(raw: RawGroupListOptions): {
  options: GroupListOptions;
  invalid: string[];
} {
  const invalid: string[] = [];
  const options: GroupListOptions = { limit: Number(raw.limit) || 100 };
  if (raw.level != null && raw.level !== 'all' && raw.level !== '') {
    const level = typeof raw.level === 'string' ? parseSeverity(raw.level) : undefined;
    if (level) options.minSeverity = level;
    else invalid.push('level');
  }
  for (const key of ['service', 'environment', 'release'] as const) {
    const v = raw[key];
    if (typeof v === 'string' && v !== '') options[key] = v;
    else if (v != null && v !== '') invalid.push(key);
  }
  if (raw.range != null && raw.range !== '') {
    const ms = rangeMs(raw.range);
    if (ms) options.rangeMs = ms;
    else invalid.push('range');
  }
  if (GROUP_STATUSES.includes(raw.status as GroupStatus)) options.status = raw.status as GroupStatus;
  else if (raw.status != null) invalid.push('status');
  if (GROUP_SORTS.includes(raw.sort as never)) options.sort = raw.sort as GroupListOptions['sort'];
  else if (raw.sort != null) invalid.push('sort');
  if (typeof raw.query === 'string') options.query = raw.query || undefined;
  else if (raw.query != null) invalid.push('query');
  if (raw.limit != null && !(Number(raw.limit) > 0)) invalid.push('limit');
  return { options, invalid };
}

/** Metrics over the last `rangeMs`: from the group store, else counted from the dashboard's recent events. */
export async function dashboardMetrics(rangeMs: number, source: { groups?: GroupReader; events?: EventStore }): Promise<DashboardMetrics> {
  if (source.groups) return source.groups.metrics(rangeMs);
  const events = source.events;
  if (!events) throw new Error('metrics need a group store or the dashboard’s events');
  const c = events.counts(new Date(Date.now() - rangeMs).toISOString());
  return {
    range_seconds: rangeMs / 1000,
    total_events: c.events,
    total_errors: c.errors,
    error_rate: c.errors / (rangeMs / 60_000),
    error_share: c.events ? c.errors / c.events : 0,
    affected_users: 0,
    mttr_seconds: null,
    distribution: [],
    top_errors: [],
    recent_errors: events.query({ severity: ['high', 'critical'], limit: 50 }).map((e) => JSON.parse(e.json) as EventJson),
    trend: [],
  };
}

/** `GET /api/stats`. */
export interface DashboardStats {
  /** Live-tail clients connected to the dashboard. */
  stream_clients: number;
  slow_clients_dropped: number;
  /** Absent without a fingerprint processor. */
  groups?: GroupStoreStats;
  /** Every counter and gauge of the pipeline, `name{labels}` → value. */
  counters: Record<string, number>;
  /** The counters that explain the Overview's numbers: seen, sampled out, rate-limited. */
  pipeline: PipelineFlow;
}

export async function dashboardStats(
  telemetry: Telemetry,
  groups: GroupReader | undefined,
  streamClients: number,
): Promise<DashboardStats> {
  return {
    stream_clients: streamClients,
    slow_clients_dropped: telemetry.value('unitrack_dashboard_slow_clients_dropped_total'),
    groups: await groups?.stats(),
    counters: telemetry.snapshot(),
    pipeline: pipelineFlow(telemetry),
  };
}

/** Resolves, reopens or ignores a group (until reopened): its detail afterwards, undefined when the group is unknown. */
export async function changeGroupStatus(
  groups: GroupReader,
  fingerprint: string,
  status: GroupStatus,
  inVersion?: string,
): Promise<GroupDetail | undefined> {
  return (await groups.setStatus(fingerprint, status, Date.now(), inVersion)) ? groups.get(fingerprint) : undefined;
}

const IGNORE_KEYS = ['until_count', 'until_users', 'until'];

/**
 * An ignore-until condition from untrusted input (the body of `POST …/ignore`, ignoreGroup()'s
 * second argument): `until_count` more events, `until_users` more distinct users, a time `until`
 * (ISO 8601, or a Date in-process) after now; any of them, the first reached ends it. Nothing
 * given: until reopened. An error names what is wrong.
 */
export function ignoreCondition(raw: unknown, now = Date.now()): { condition: IgnoreCondition } | { error: string } {
  if (raw === undefined || raw === null) return { condition: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { error: 'the condition is an object: { until_count, until_users, until }' };
  const given = raw as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !IGNORE_KEYS.includes(k));
  if (unknown.length) return { error: `${unknown.join(', ')} not understood (until_count, until_users, until)` };
  const condition: IgnoreCondition = {};
  for (const [key, field] of [
    ['until_count', 'events'],
    ['until_users', 'users'],
  ] as const) {
    const v = given[key];
    if (v == null) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) return { error: `${key} is a whole number above 0` };
    condition[field] = v;
  }
  const until = given.until;
  if (until != null) {
    const time = until instanceof Date ? until.getTime() : typeof until === 'string' ? Date.parse(until) : Number.NaN;
    if (!Number.isFinite(time)) return { error: 'until is a time (ISO 8601, such as 2026-12-01T18:00:00Z)' };
    if (time <= now) return { error: 'until is in the past' };
    condition.until = time;
  }
  return { condition };
}

/** Ignores a group until the condition: its detail afterwards, undefined when the group is unknown. */
export async function ignoreGroupUntil(
  groups: GroupReader,
  fingerprint: string,
  condition: IgnoreCondition,
): Promise<GroupDetail | undefined> {
  return (await groups.ignore(fingerprint, condition, Date.now())) ? groups.get(fingerprint) : undefined;
}

/** Events an attribute's distribution is sampled over: the group's stored recent events. */
export interface SampledAttribute {
  key: string;
  /** The stored events it was counted over (at most 10). */
  sampled: number;
  values: { value: string; count: number }[];
}

/** `GET /api/groups/:fingerprint/tags`. */
export interface GroupTagsAnswer {
  /** Exact, over every event of the group (the store's tag counts). */
  tags: GroupTag[];
  /** Attribute keys of the group's stored events, for the page's picker. */
  attribute_keys: string[];
  /** The chosen attribute's values over the stored events only: a sample, said so on the page. */
  attribute?: SampledAttribute;
}

/** A group's exact tags, and one attribute's values sampled over its stored events; undefined when the group is unknown. */
export async function groupTags(groups: GroupReader, fingerprint: string, attribute?: string): Promise<GroupTagsAnswer | undefined> {
  const [tags, detail] = await Promise.all([groups.tags(fingerprint), groups.get(fingerprint)]);
  if (!tags || !detail) return undefined;
  const keys = new Set<string>();
  for (const e of detail.events) for (const k of Object.keys(e.attributes ?? {})) keys.add(k);
  const answer: GroupTagsAnswer = { tags, attribute_keys: [...keys].sort() };
  if (attribute) {
    const counts = new Map<string, number>();
    for (const e of detail.events) {
      const v = e.attributes && Object.hasOwn(e.attributes, attribute) ? e.attributes[attribute] : undefined;
      if (v === undefined) continue;
      const text = attributeText(v);
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    answer.attribute = {
      key: attribute,
      sampled: detail.events.length,
      values: [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
    };
  }
  return answer;
}

function attributeText(v: AnyValue): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}

/** What became of the records the pipeline saw, from its own counters (the Overview explains the numbers with it). */
export interface PipelineFlow {
  /** Records accepted into the pipeline (from track() and from OTLP). */
  seen: number;
  /** Dropped by the sampler. */
  sampled_out: number;
  /** Dropped by the rate limiter (each suppression is summarised on a record). */
  rate_limited: number;
  /** Dropped because a processor threw, or an exporter's queue was full. */
  dropped: number;
}

export function pipelineFlow(telemetry: Telemetry): PipelineFlow {
  return {
    seen: telemetry.sum('unitrack_ingest_accepted_total'),
    sampled_out: telemetry.sum('unitrack_sampler_dropped_total'),
    rate_limited: telemetry.sum('unitrack_rate_limiter_dropped_total'),
    dropped: telemetry.sum('unitrack_processor_errors_total') + telemetry.sum('unitrack_exporter_dropped_total'),
  };
}
