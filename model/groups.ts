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
}

export interface GroupListOptions {
  status?: GroupStatus;
  sort?: 'last_seen' | 'first_seen' | 'count' | 'users';
  /** Case-insensitive text in the title, message, type or component. */
  query?: string;
  limit?: number;
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
  trend: { time: string; events: number; errors: number }[];
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
