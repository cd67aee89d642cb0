import type { EventHead } from './event-json.ts';
import { SharedKey } from './shared-state.ts';

/** An event of the fleet's stream: its fleet-wide id, its JSON text, its head. */
export interface LoggedEvent {
  id: number;
  json: string;
  head: EventHead;
}

/**
 * The recent events a fleet of instances shares (a group store on PostgreSQL offers it): ids from
 * one sequence, strictly increasing in the order they become visible, so an SSE client's
 * `Last-Event-ID` means the same on every instance; bounded; every instance is woken when any
 * appends.
 */
export interface SharedEventLog {
  /** Where the log lives, named without a password. */
  readonly where: string;
  /** Ready to append and read (its tables exist, its listener listens). */
  start(): Promise<void>;
  /** Appends events, in order, keeping the newest `keep`; resolves with their ids. */
  append(events: readonly { json: string; head: EventHead }[], keep: number): Promise<number[]>;
  /** Events with an id above `id`, oldest first, at most `limit`. */
  after(id: number, limit: number): Promise<LoggedEvent[]>;
  /** The newest `limit` events, oldest first. */
  latest(limit: number): Promise<LoggedEvent[]>;
  /** Called whenever any instance has appended (and when the listener reconnects); returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Where a shared store publishes its event log on the host (the dashboard streams from it). */
export const EVENT_LOG = new SharedKey<SharedEventLog>('event-log');
