import type { EventJson } from './event-json.ts';
import type { Severity } from './severity.ts';
import { SharedKey } from './shared-state.ts';

export type GroupStatus = 'unresolved' | 'resolved' | 'ignored';
export const GROUP_STATUSES: readonly GroupStatus[] = ['unresolved', 'resolved', 'ignored'];

/** A group as the dashboard and the webhook show it (snake_case JSON). */
export interface GroupSummary {
  fingerprint: string;
  title: string;
  type?: string;
  message: string;
  component?: string;
  category?: string;
  /** The highest severity seen in the group. */
  severity: Severity;
  count: number;
  /** Distinct `user.id` values (exact up to 64, estimated beyond). */
  users: number;
  first_seen: string;
  last_seen: string;
  status: GroupStatus;
  /** Events per minute over the last 60 minutes, oldest first. */
  trend: number[];
  resolved_at?: string;
  /** An ignored group's condition: it reopens, and alerts `escalating`, at this count, this many distinct users or this time, whichever comes first. */
  ignored_until?: { count?: number; users?: number; time?: string };
  /** The service that sent most of the group's events (exact counts, group_tags), when known. */
  service?: string;
  /** The release (`service.version`) of the group's latest event, when known. */
  last_release?: string;
  /** With a list's `rangeMs`: the group's events in that range. */
  range_count?: number;
}

/** What an ignored group waits for: this many more events, this many more distinct users, or a time (ms); the first reached reopens it. */
export interface IgnoreCondition {
  events?: number;
  users?: number;
  until?: number;
}

export interface GroupDetail extends GroupSummary {
  /** The last 10 events, newest first. */
  events: EventJson[];
  /** Every status change, oldest first. */
  history: { status: GroupStatus; at: string }[];
  /** The release of the group's first event, when known. */
  first_release?: string;
  /** The alerts the group raised, newest first (at most 50). */
  alerts: GroupAlert[];
}

/** One alert a group raised: the reason (or rule) and when. */
export interface GroupAlert {
  at: string;
  reason: string;
  rule?: string;
  detail?: string;
}

/** One stored event of a group, with where it sits among the stored ones (the ring of the last 10, and the group's first event). */
export interface GroupEvent {
  /** The event's number in its group (1 is the first event ever). */
  seq: number;
  event: EventJson;
  /** The stored neighbours' numbers: `previous` is older, `next` newer; absent at the ends. */
  previous?: number;
  next?: number;
  oldest: number;
  latest: number;
  /** How many of the group's events are stored (at most 11). */
  stored: number;
}

/** Which stored event of a group: the newest, the first, or the one numbered so. */
export type GroupEventChoice = 'latest' | 'oldest' | number;

/** The tag keys counted exactly, per group, for every event (the group_tags table). */
export const GROUP_TAG_KEYS = ['service', 'environment', 'release', 'component', 'user'] as const;
export type GroupTagKey = (typeof GROUP_TAG_KEYS)[number];

/** A group's distribution of one tag: exact counts of its first 50 distinct values, the rest counted under `other`. */
export interface GroupTag {
  key: GroupTagKey;
  /** Events that carried the tag. */
  total: number;
  /** Most frequent first. */
  values: { value: string; count: number; first_seen: string; last_seen: string }[];
  /** Events whose value came after the first 50 distinct ones. */
  other: number;
}

/** Values seen across all groups, for the list's filters (most frequent first, at most 100 each). */
export type GroupFacets = Record<'service' | 'environment' | 'release', string[]>;

/** One bucket of a time series: events and errors counted in it. */
export interface TrendPoint {
  time: string;
  events: number;
  errors: number;
}

export interface GroupListOptions {
  status?: GroupStatus;
  /** `priority`: the highest severity first, then the most events in `rangeMs` (the last hour without it). */
  sort?: 'last_seen' | 'first_seen' | 'count' | 'users' | 'priority';
  /** Case-insensitive text in the title, message, type or component. */
  query?: string;
  limit?: number;
  /** Groups whose highest severity is this or above. */
  minSeverity?: Severity;
  /** Groups with at least one event of this service, environment, release (group_tags). */
  service?: string;
  environment?: string;
  release?: string;
  /** Groups seen in the last this many ms; each summary then has `range_count`. */
  rangeMs?: number;
}

/**
 * Metrics for a time range. "Errors" are records of severity high or critical, or carrying an
 * exception (`exception.type`).
 */
export interface DashboardMetrics {
  range_seconds: number;
  total_events: number;
  total_errors: number;
  /** Errors per minute over the range. */
  error_rate: number;
  /** Errors as a share of all events, 0..1. */
  error_share: number;
  affected_users: number;
  /** Mean time from a group opening (first seen, reopened or regressed) to its resolution; null without resolutions in range. */
  mttr_seconds: number | null;
  distribution: { type: string; count: number; percent: number }[];
  top_errors: (GroupSummary & { range_count: number })[];
  recent_errors: EventJson[];
  trend: TrendPoint[];
}

export interface GroupStoreStats {
  total_events: number;
  groups: number;
  groups_in_memory: number;
  alerts_triggered: number;
  avg_processing_us: number;
  pending_writes: number;
}

/**
 * What the fingerprint processor's group store offers the rest of unitrack (the dashboard, the
 * SDK's groups API): its groups read, their status changed, its housekeeping run now. Every call
 * is asynchronous: a store may be a database on the network (PostgreSQL) as well as a local file.
 */
export interface GroupReader {
  list(options?: GroupListOptions): Promise<GroupSummary[]>;
  get(fingerprint: string): Promise<GroupDetail | undefined>;
  /** One stored event of a group (undefined: unknown group, or no such stored event). */
  event(fingerprint: string, which: GroupEventChoice): Promise<GroupEvent | undefined>;
  /** The group's exact tag distributions, one per GROUP_TAG_KEYS key that any event carried (undefined: unknown group). */
  tags(fingerprint: string): Promise<GroupTag[] | undefined>;
  /** The group's events and errors over the last `rangeMs`, in at most 60 buckets, as `DashboardMetrics.trend`. */
  series(fingerprint: string, rangeMs: number): Promise<TrendPoint[]>;
  /** Services, environments and releases seen, for the list's filters. */
  facets(): Promise<GroupFacets>;
  metrics(rangeMs: number): Promise<DashboardMetrics>;
  stats(): Promise<GroupStoreStats>;
  /** False when the group is unknown. `ignored` here is until reopened. */
  setStatus(fingerprint: string, status: GroupStatus, at?: number, inVersion?: string): Promise<boolean>;
  /** Ignores a group until the condition is reached (none given: until reopened); false when the group is unknown. */
  ignore(fingerprint: string, until?: IgnoreCondition, at?: number): Promise<boolean>;
  /** Deletes every group and its history. */
  clear(): Promise<void>;
  /** Deletes expired groups and old history now; returns how many groups went. */
  sweep(): Promise<number>;
  /** Resolves once everything counted so far is committed (reads then see it). */
  flushAsync(): Promise<void>;
}

/** Where the fingerprint processor publishes its group store on the host. */
export const GROUPS = new SharedKey<GroupReader>('groups');
