import type { Group, Observation } from './group-store.ts';
import type { ReleaseOrder } from './release-order.ts';

/** What the fingerprint processor needs of a group store: the SQLite store and the PostgreSQL store both offer it. */
export interface ProcessorStore {
  readonly releases: ReleaseOrder;
  alertsTriggered: number;
  processingNs: number;
  peek(fingerprint: string): Group | undefined;
  reopen(fingerprint: string, at: number): void;
  observe(o: Observation): { group: Group; isNew: boolean; escalated: boolean };
  recordAlert(fingerprint: string, at: number, alert: { reason: string; rule?: string; detail?: string }): void;
  flushAsync(): Promise<void>;
}

/**
 * A store shared by a fleet of instances: a group this instance does not hold is loaded before its
 * records are decided, and the alerts that must be raised once across the fleet are claims the
 * database settles (processors/fingerprint/postgres/pg-claims.ts).
 */
export interface FleetStore extends ProcessorStore {
  isLoaded(fingerprint: string): boolean;
  /** Never rejects. */
  load(o: Observation): Promise<void>;
  /** The highest threshold reached and not yet claimed by anyone, as far as this instance knows. */
  thresholdDue(group: Group, thresholds: readonly number[]): number | undefined;
  /** Never rejects: false when another instance claimed it, or the database could not be reached. */
  claimThreshold(group: Group, t: number): Promise<boolean>;
  /** The reopen this instance claimed for the group (regression, escalation), while unanswered. */
  statusClaim(group: Group): Promise<boolean> | undefined;
}
