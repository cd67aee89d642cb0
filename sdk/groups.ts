import {
  changeGroupStatus,
  type DashboardStats,
  dashboardMetrics,
  dashboardStats,
  GROUP_SORTS,
  groupListOptions,
  ignoreCondition,
  ignoreGroupUntil,
  METRICS_RANGES,
  type MetricsRange,
  RANGE_ERROR,
  rangeMs,
} from '../exporters/dashboard/dashboard-queries.ts';
import {
  type DashboardMetrics,
  GROUPS,
  type GroupDetail,
  type GroupListOptions,
  type GroupReader,
  type GroupStatus,
  type GroupSummary,
} from '../model/groups.ts';
import type { Severity } from '../model/severity.ts';
import type { Service } from '../pipeline/service.ts';
import { embeddedProcessor } from './init.ts';
import { trackingState } from './state.ts';
import { newestProcessor } from './unitrack-processor.ts';

/**
 * The error tracker's programmatic surface: the dashboard API's data (the same functions compute
 * it), in-process and typed, for the pipeline running in this process. Every call first runs the
 * records tracked so far through the pipeline, so it sees every track() made before it.
 */

export type {
  DashboardMetrics,
  GroupDetail,
  GroupStatus,
  GroupStoreStats,
  GroupSummary,
} from '../model/groups.ts';
export type { DashboardStats, MetricsRange };

/** No pipeline with a fingerprint processor runs in this process, so there are no groups to read. */
export class GroupsUnavailableError extends Error {
  override name = 'GroupsUnavailableError';
}

/**
 * `ignoreGroup`'s conditions, as the dashboard's `POST …/ignore` body names them: this many more
 * events, this many more distinct users, or a time (a Date, or ISO 8601 text); the first reached
 * reopens the group, and its event alerts with reason `escalating`.
 */
export interface IgnoreUntil {
  until_count?: number;
  until_users?: number;
  until?: string | Date;
}

/** The pipeline's group store, with the records tracked so far counted in it. */
async function groupStore(call: string): Promise<{ service: Service; store: GroupReader }> {
  trackingState(); // the pipeline starts as on the first track()
  const processor = embeddedProcessor() ?? newestProcessor();
  await processor?.settled(); // records handed over before this call are in the pipeline's queue
  const service = processor?.service;
  if (!service)
    throw new GroupsUnavailableError(
      `unitrack: ${call} reads the pipeline running in this process (initTracking() embedded, or unitrackProcessor()), and none runs: ` +
        'initTracking({ otlp }) sends events elsewhere (ask that collector’s dashboard API), tracking may be disabled, or the pipeline failed to start (reported once when it did)',
    );
  const store = service.host.shared.get(GROUPS);
  if (!store)
    throw new GroupsUnavailableError(
      `unitrack: ${call}: the pipeline running in this process has no fingerprint processor, so it keeps no groups`,
    );
  service.queue.drain();
  await store.flushAsync(); // the read's own flush then has nothing to wait for on the writer thread
  return { service, store };
}

function fingerprintOf(call: string, fingerprint: unknown): string {
  if (typeof fingerprint !== 'string' || fingerprint === '')
    throw new TypeError(`unitrack: ${call} takes a group's fingerprint (a string)`);
  return fingerprint;
}

/** `GET /api/metrics?range=…`: totals, error rate, affected users, MTTR, top and recent errors, trend. */
export async function getMetrics(options: { range?: MetricsRange } = {}): Promise<DashboardMetrics> {
  const ms = rangeMs(options.range ?? '1h');
  if (!ms) throw new RangeError(`unitrack: getMetrics(): ${RANGE_ERROR}`);
  const { store } = await groupStore('getMetrics()');
  return dashboardMetrics(ms, { groups: store });
}

/** `GET /api/stats`: the group store's figures and every counter of the pipeline. */
export async function getStats(): Promise<DashboardStats> {
  const { service, store } = await groupStore('getStats()');
  const t = service.telemetry;
  return dashboardStats(t, store, t.value('unitrack_dashboard_stream_clients'));
}

/** `listGroups()`'s options: `GET /api/groups`'s query parameters, typed. */
export interface ListGroupsOptions {
  status?: GroupStatus;
  /** `priority`: the highest severity first, then the most events in `range` (the last hour without it). */
  sort?: NonNullable<GroupListOptions['sort']>;
  /** Case-insensitive text in the title, message, type or component. */
  query?: string;
  limit?: number;
  /** Groups at this severity or above (`all`: every level, the default here). */
  level?: Severity | 'all';
  /** Groups with an event of this service, environment (`deployment.environment.name`) or release (`service.version`). */
  service?: string;
  environment?: string;
  release?: string;
  /** Groups seen in this range; each summary then has `range_count`. */
  range?: MetricsRange;
}

const LIST_KEYS = ['status', 'sort', 'query', 'limit', 'level', 'service', 'environment', 'release', 'range'];

/** `GET /api/groups`: a string is the text query; options not understood throw a TypeError. */
export async function listGroups(query: ListGroupsOptions | string = {}): Promise<GroupSummary[]> {
  const raw = typeof query === 'string' ? { query } : (query ?? {});
  const unknown = Object.keys(raw).filter((k) => !LIST_KEYS.includes(k));
  const { options, invalid } = groupListOptions(raw);
  if (invalid.length || unknown.length)
    throw new TypeError(
      `unitrack: listGroups(): ${[...unknown, ...invalid].join(', ')} not understood (status: unresolved | resolved | ignored; sort: ${GROUP_SORTS.join(' | ')}; query: text; limit: above 0; level: a severity or all; service, environment, release: text; range: ${Object.keys(METRICS_RANGES).join(' | ')})`,
    );
  const { store } = await groupStore('listGroups()');
  return store.list(options);
}

/** `GET /api/groups/:fingerprint`: the group with its last 10 events and status history; undefined when unknown. */
export async function getGroup(fingerprint: string): Promise<GroupDetail | undefined> {
  const fp = fingerprintOf('getGroup()', fingerprint);
  const { store } = await groupStore('getGroup()');
  return store.get(fp);
}

/**
 * `POST /api/groups/:fingerprint/resolve`. `inVersion` is the release the fix ships in (default:
 * the last `service.version` seen): events from older releases do not reopen the group.
 */
export async function resolveGroup(fingerprint: string, options: { inVersion?: string } = {}): Promise<GroupDetail | undefined> {
  const fp = fingerprintOf('resolveGroup()', fingerprint);
  const inVersion = options?.inVersion;
  if (inVersion !== undefined && (typeof inVersion !== 'string' || inVersion === ''))
    throw new TypeError('unitrack: resolveGroup(): inVersion is a release (a non-empty string)');
  const { store } = await groupStore('resolveGroup()');
  return changeGroupStatus(store, fp, 'resolved', inVersion);
}

/** `POST /api/groups/:fingerprint/reopen`. */
export async function reopenGroup(fingerprint: string): Promise<GroupDetail | undefined> {
  const fp = fingerprintOf('reopenGroup()', fingerprint);
  const { store } = await groupStore('reopenGroup()');
  return changeGroupStatus(store, fp, 'unresolved');
}

/**
 * `POST /api/groups/:fingerprint/ignore`: ignored until `until` is reached (`until_count` more
 * events, `until_users` more distinct users, or the time `until`, whichever comes first), else
 * until reopenGroup(). Ignoring an ignored group replaces its condition. A condition that is not
 * understood throws a TypeError.
 */
export async function ignoreGroup(fingerprint: string, until?: IgnoreUntil): Promise<GroupDetail | undefined> {
  const fp = fingerprintOf('ignoreGroup()', fingerprint);
  const parsed = ignoreCondition(until);
  if ('error' in parsed) throw new TypeError(`unitrack: ignoreGroup(): ${parsed.error}`);
  const { store } = await groupStore('ignoreGroup()');
  return ignoreGroupUntil(store, fp, parsed.condition);
}

/** Deletes every group and its history (counts, trends, recent events, status changes). */
export async function clearGroups(): Promise<void> {
  const { store } = await groupStore('clearGroups()');
  await store.clear();
}

/**
 * What the store's own sweep does periodically (every minute, or every `group_ttl` when shorter), now: deletes groups unseen for the fingerprint
 * processor's `group_ttl` (with their events) and history older than 7 days. Returns the number of
 * groups deleted.
 */
export async function cleanup(): Promise<number> {
  const { store } = await groupStore('cleanup()');
  return store.sweep();
}
