/**
 * A group as this instance holds it when the store is shared (a `Group` plus what the fleet
 * decides), and the groups row it is read from.
 */
import type { GroupStatus } from '../../../model/groups.ts';
import type { Severity } from '../../../model/severity.ts';
import { ignoreTargets } from '../group-schema.ts';
import { type Group, type GroupColumns, groupOfRow } from '../group-store.ts';
import { UserCounter } from '../user-counter.ts';

/** The columns a group's state is read from (pg returns bigint as text, jsonb parsed, bytea as a Buffer). */
export interface GroupRow extends GroupColumns {
  fingerprint: string;
  title: string;
  type: string | null;
  message: string;
  component: string | null;
  category: string | null;
  severity: string;
  count: string;
  first_seen: string;
  last_seen: string;
  status: string;
  status_at: string;
  opened_at: string;
  resolved_in_version: string | null;
  last_version: string | null;
  users_exact: string[] | null;
  users_registers: Buffer | null;
  user_count: number;
  ignore_count: string | null;
  ignore_users: number | null;
  ignore_until: string | null;
  alerted_threshold: string;
  status_version: string;
}

export interface FleetGroup extends Group {
  /** The highest threshold claimed, by anyone, as far as this instance knows (its own claims in flight included). */
  alertedThreshold: number;
  /** This instance's insert created the group: its first record here is the fleet's new group. */
  createdHere: boolean;
  /** The fleet's status version this state reflects (status changes elsewhere carry higher ones). */
  statusVersion: number;
  /** A reopen (regression, escalation) this instance claimed and the database has not answered yet: true when it won. */
  statusClaim?: Promise<boolean>;
}

/** A UserCounter holding what the row holds: the exact ids while there are few, else the registers. */
export function usersOf(row: Pick<GroupRow, 'users_exact' | 'users_registers'>): UserCounter {
  if (row.users_exact) return UserCounter.restore(JSON.stringify(row.users_exact));
  if (row.users_registers) return UserCounter.restore(`2:${row.users_registers.toString('base64')}`);
  return new UserCounter();
}

export function rowToGroup(row: GroupRow, createdHere: boolean): FleetGroup {
  return {
    ...groupOfRow(row, usersOf(row)),
    alertedThreshold: Number(row.alerted_threshold),
    createdHere,
    statusVersion: Number(row.status_version),
  };
}

/**
 * Brings a group held here up to its row: the fleet's count (plus what this instance counted since
 * the row was written, not flushed yet), users, thresholds claimed, and the status when the row's
 * is newer than the one held (a claim of this instance in flight keeps its own).
 */
export function refreshGroup(g: FleetGroup, row: GroupRow, unflushed: number): void {
  g.count = Number(row.count) + unflushed;
  g.lastSeen = Math.max(g.lastSeen, Number(row.last_seen));
  g.firstSeen = Math.min(g.firstSeen, Number(row.first_seen));
  g.severity = row.severity as Severity;
  if (row.users_exact || row.users_registers) g.users = usersOf(row);
  g.alertedThreshold = Math.max(g.alertedThreshold, Number(row.alerted_threshold));
  refreshStatus(g, row);
}

/** Takes the row's status when it is newer than the one held. */
export function refreshStatus(
  g: FleetGroup,
  row: Pick<
    GroupRow,
    'status' | 'status_at' | 'opened_at' | 'resolved_in_version' | 'ignore_count' | 'ignore_users' | 'ignore_until' | 'status_version'
  >,
): void {
  const version = Number(row.status_version);
  if (version <= g.statusVersion || g.statusClaim) return;
  g.statusVersion = version;
  g.status = row.status as GroupStatus;
  g.statusAt = Number(row.status_at);
  g.openedAt = Number(row.opened_at);
  g.resolvedInVersion = row.resolved_in_version ?? undefined;
  g.ignoreUntil = ignoreTargets(row);
}
