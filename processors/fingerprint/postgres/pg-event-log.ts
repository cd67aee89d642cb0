/**
 * The fleet's shared stream on PostgreSQL: recent events in `unitrack.stream_events`, ids from
 * `unitrack.stream_seq`. An append takes a transaction-scoped advisory lock before it draws its
 * ids, so ids become visible in order (a reader that has seen id N will never later see a smaller
 * one), and sends `NOTIFY unitrack_stream` with its commit: every instance's listener wakes and
 * reads what is new. The lock is held for one INSERT, never across a flush.
 */
import type pg from 'pg';
import type { EventHead } from '../../../model/event-json.ts';
import type { LoggedEvent, SharedEventLog } from '../../../model/event-log.ts';
import { SEVERITIES, type Severity } from '../../../model/severity.ts';
import { createPool, pgDriver, redactUrl, withClient } from './pg-connection.ts';
import { SCHEMA, STREAM_LOCK } from './pg-schema.ts';

const CHANNEL = 'unitrack_stream';
const COLUMNS = 'id, time, severity, category, component, trace_id, json';
/** Appends between trims of the table to its bound. */
const TRIM_EVERY = 100;
const RECONNECT_MS = 1000;

interface Row {
  id: string;
  time: string;
  severity: number;
  category: string | null;
  component: string | null;
  trace_id: string | null;
  json: string;
}

export class PgEventLog implements SharedEventLog {
  readonly where: string;
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #ready: () => Promise<void>;
  readonly #listeners = new Set<() => void>();
  #listener: pg.Client | undefined;
  #started: Promise<void> | undefined;
  #closed = false;
  #reconnect: NodeJS.Timeout | undefined;
  #appends = 0;

  /**
   * `ready`: the store's start (the schema exists once it resolves). The log has a small pool of
   * its own: the dashboard exports its last events after the fingerprint processor (and its store)
   * has shut down.
   */
  constructor(url: string, ready: () => Promise<void>) {
    this.where = redactUrl(url);
    this.#url = url;
    this.#pool = createPool({ url, max: 2 });
    this.#ready = ready;
  }

  /** A dashboard follows this log (it closes it); otherwise the store does. */
  get followed(): boolean {
    return this.#started !== undefined;
  }

  start(): Promise<void> {
    this.#started ??= this.#ready().then(() => this.#listen());
    return this.#started;
  }

  /** A connection of its own that LISTENs; when it is lost, another is made (and listeners are woken to catch up). */
  async #listen(): Promise<void> {
    if (this.#closed) return;
    const client = new (pgDriver().Client)({ connectionString: this.#url, application_name: 'unitrack stream' });
    const retry = () => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#reconnect = setTimeout(() => this.#listen().catch(() => retry()), RECONNECT_MS);
      this.#reconnect.unref();
    };
    this.#listener = client;
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.#wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      retry();
      throw error;
    }
    // An idle listener must not keep a process alive.
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    this.#wake();
  }

  #wake(): void {
    for (const l of this.#listeners) {
      try {
        l();
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async append(events: readonly { json: string; head: EventHead }[], keep: number): Promise<number[]> {
    if (events.length === 0) return [];
    return withClient(this.#pool, async (client) => {
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [STREAM_LOCK]);
        const r = await client.query<{ id: string }>(
          `INSERT INTO ${SCHEMA}.stream_events (${COLUMNS})
             SELECT nextval('${SCHEMA}.stream_seq'), time, severity, category, component, trace_id, json
             FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
               AS e(time, severity, category, component, trace_id, json, n)
             ORDER BY n
           RETURNING id`,
          [
            events.map((e) => e.head.time),
            events.map((e) => SEVERITIES.indexOf(e.head.severity)),
            events.map((e) => e.head.category ?? null),
            events.map((e) => e.head.component ?? null),
            events.map((e) => e.head.trace_id ?? null),
            events.map((e) => e.json),
          ],
        );
        const ids = r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
        if (++this.#appends % TRIM_EVERY === 0)
          await client.query(`DELETE FROM ${SCHEMA}.stream_events WHERE id <= $1`, [ids[ids.length - 1] - keep]);
        await client.query(`NOTIFY ${CHANNEL}`);
        await client.query('COMMIT');
        return ids;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async after(id: number, limit: number): Promise<LoggedEvent[]> {
    const r = await this.#pool.query<Row>(`SELECT ${COLUMNS} FROM ${SCHEMA}.stream_events WHERE id > $1 ORDER BY id LIMIT $2`, [id, limit]);
    return r.rows.map(toEvent);
  }

  async latest(limit: number): Promise<LoggedEvent[]> {
    const r = await this.#pool.query<Row>(`SELECT ${COLUMNS} FROM ${SCHEMA}.stream_events ORDER BY id DESC LIMIT $1`, [limit]);
    return r.rows.map(toEvent).reverse();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnect);
    const l = this.#listener;
    this.#listener = undefined;
    await l?.end().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }
}

function toEvent(r: Row): LoggedEvent {
  return {
    id: Number(r.id),
    json: r.json,
    head: {
      time: r.time,
      severity: (SEVERITIES[r.severity] ?? 'info') as Severity,
      category: r.category ?? undefined,
      component: r.component ?? undefined,
      trace_id: r.trace_id ?? undefined,
    },
  };
}
