import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { EventHead, EventView } from '../../model/event-json.ts';
import { SEVERITIES, type Severity } from '../../model/severity.ts';

/** An event as the dashboard stores and streams it: its stream id, its JSON text and its head. */
export interface StoredEvent {
  id: number;
  /** The event's JSON text: the bytes of the JSON lines file, stored and sent as they are. */
  json: string;
  /** The fields the store files it by and the stream filters on (its columns). */
  head: EventHead;
}

export interface EventQuery {
  severity?: Severity[];
  category?: string;
  component?: string;
  /** Case-insensitive text anywhere in the event. */
  q?: string;
  /** Only events with an id below this (paging back). */
  before?: number;
  limit?: number;
}

/** A row as read: the head from its columns, the text as stored (never parsed here). */
const COLUMNS = 'id, time, severity, category, component, trace_id, json';
interface Row {
  id: number;
  time: string;
  severity: number;
  category: string | null;
  component: string | null;
  trace_id: string | null;
  json: string;
}

/**
 * Recent events in SQLite, so /api/events, /api/traces and the stream's replay survive a restart.
 * The row id is the stream id: strictly increasing, never reused. Bounded to `maxEvents` rows.
 */
export class EventStore {
  readonly #db: DatabaseSync;
  readonly #maxEvents: number;
  readonly #insert: StatementSync;
  #sinceTrim = 0;

  constructor(path: string, maxEvents: number) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#maxEvents = maxEvents;
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, severity INTEGER NOT NULL,
        category TEXT, component TEXT, trace_id TEXT, json TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS events_trace ON events(trace_id);
    `);
    this.#insert = this.#db.prepare('INSERT INTO events (time, severity, category, component, trace_id, json) VALUES (?,?,?,?,?,?)');
  }

  /** Stores a batch in one transaction; returns them with their stream ids. */
  add(events: readonly EventView[]): StoredEvent[] {
    const out: StoredEvent[] = [];
    this.#db.exec('BEGIN');
    try {
      for (const { head, json } of events) {
        const r = this.#insert.run(
          head.time,
          SEVERITIES.indexOf(head.severity),
          head.category ?? null,
          head.component ?? null,
          head.trace_id ?? null,
          json,
        );
        out.push({ id: Number(r.lastInsertRowid), json, head });
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    this.#sinceTrim += events.length;
    if (this.#sinceTrim > Math.max(100, this.#maxEvents / 10)) this.#trim();
    return out;
  }

  /**
   * Stores events that already have their ids (the fleet's shared stream: this file is then a copy
   * of its recent events), in one transaction; an id already held is left as it is.
   */
  mirror(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    const insert = this.#db.prepare(
      'INSERT OR IGNORE INTO events (id, time, severity, category, component, trace_id, json) VALUES (?,?,?,?,?,?,?)',
    );
    this.#db.exec('BEGIN');
    try {
      for (const { id, head, json } of events)
        insert.run(
          id,
          head.time,
          SEVERITIES.indexOf(head.severity),
          head.category ?? null,
          head.component ?? null,
          head.trace_id ?? null,
          json,
        );
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    this.#sinceTrim += events.length;
    if (this.#sinceTrim > Math.max(100, this.#maxEvents / 10)) this.#trim();
  }

  /** Deletes every event (a copy of the fleet's stream starts again from the shared one). */
  clear(): void {
    this.#db.exec('DELETE FROM events');
  }

  #trim(): void {
    this.#sinceTrim = 0;
    this.#db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?').run(this.#maxEvents);
  }

  /** The newest events matching a query, newest first. */
  query(q: EventQuery = {}): StoredEvent[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.severity?.length) {
      where.push(`severity IN (${q.severity.map(() => '?').join(',')})`);
      args.push(...q.severity.map((s) => SEVERITIES.indexOf(s)));
    }
    if (q.category) {
      where.push('category = ?');
      args.push(q.category);
    }
    if (q.component) {
      where.push('component = ?');
      args.push(q.component);
    }
    if (q.before) {
      where.push('id < ?');
      args.push(q.before);
    }
    if (q.q) {
      where.push("json LIKE ? ESCAPE '\\'");
      args.push(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    return this.#rows(
      `SELECT ${COLUMNS} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`,
      args,
    );
  }

  /** Every stored event of one trace, oldest first. */
  trace(traceId: string): StoredEvent[] {
    return this.#rows(`SELECT ${COLUMNS} FROM events WHERE trace_id = ? ORDER BY id LIMIT 1000`, [traceId.toLowerCase()]);
  }

  /** Events after an id, oldest first (stream replay). */
  after(id: number, limit: number): StoredEvent[] {
    return this.#rows(`SELECT ${COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?`, [id, limit]);
  }

  /** Counts in a time range (for metrics when no group store exists). */
  counts(sinceIso: string): { events: number; errors: number } {
    const r = this.#db
      .prepare('SELECT COUNT(*) AS events, COALESCE(SUM(severity >= 4), 0) AS errors FROM events WHERE time >= ?')
      .get(sinceIso) as { events: number; errors: number };
    return { events: Number(r.events), errors: Number(r.errors) };
  }

  #rows(sql: string, args: (string | number)[]): StoredEvent[] {
    return (this.#db.prepare(sql).all(...args) as unknown as Row[]).map((r) => ({
      id: Number(r.id),
      json: r.json,
      head: {
        time: r.time,
        severity: SEVERITIES[r.severity] ?? 'info',
        category: r.category ?? undefined,
        component: r.component ?? undefined,
        trace_id: r.trace_id ?? undefined,
      },
    }));
  }

  close(): void {
    this.#db.close();
  }
}
