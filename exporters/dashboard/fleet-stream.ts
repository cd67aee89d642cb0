/**
 * The dashboard's stream when the fleet shares one (a group store on PostgreSQL publishes its
 * event log under EVENT_LOG): exported events are appended to the shared log, and what any
 * instance appended comes back, woken by LISTEN/NOTIFY, into this instance's event store (a copy
 * of the fleet's recent events, same ids) and its stream hub. So every instance streams the same
 * events under the same ids, and a client resumes with its `Last-Event-ID` on any of them.
 */
import type { EventView } from '../../model/event-json.ts';
import type { LoggedEvent, SharedEventLog } from '../../model/event-log.ts';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import type { EventStore } from './event-store.ts';
import type { StreamHub } from './stream-hub.ts';

const PAGE = 1000;
/** How often events waiting for the database are tried again. */
const RETRY_MS = 1000;

export interface FleetStreamOptions {
  log: SharedEventLog;
  events: EventStore;
  hub: StreamHub;
  /** Events the shared log keeps (the dashboard's `store.max_events`). */
  maxEvents: number;
  /** Events read back at start (the hub's ring), and events kept while the database cannot take them. */
  bufferSize: number;
  telemetry: Telemetry;
}

export class FleetStream {
  readonly #o: FleetStreamOptions;
  /** The newest id this instance has read from the log. */
  #cursor = 0;
  #pulling: Promise<void> | undefined;
  #again = false;
  #unsubscribe: (() => void) | undefined;
  #started = false;
  /** Exported events the log could not take yet (the database away), oldest first, at most bufferSize. */
  #waiting: { json: string; head: EventView['head'] }[] = [];
  #appending: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  readonly #dropped: Counter;

  constructor(options: FleetStreamOptions) {
    this.#o = options;
    const t = options.telemetry;
    this.#dropped = t.counter(
      'unitrack_dashboard_stream_dropped_total',
      "Events the fleet's shared stream never got: the database was away longer than the dashboard's buffer_size of them.",
    );
    t.gauge(
      'unitrack_dashboard_stream_waiting',
      "Events waiting for the database to join the fleet's shared stream.",
      () => this.#waiting.length,
    );
  }

  /** Reads the fleet's recent events into the store and the hub (their ids replace the local ones), then follows the log. */
  async start(): Promise<void> {
    const { log, events, hub } = this.#o;
    await log.start();
    const recent = await log.latest(Math.min(this.#o.bufferSize, 10_000));
    events.clear();
    events.mirror(recent);
    hub.shareIds(recent);
    this.#cursor = recent.at(-1)?.id ?? 0;
    this.#started = true;
    this.#unsubscribe = log.subscribe(() => this.#pull());
    this.#pull();
  }

  /**
   * Queues exported events for the shared log and appends what waits, in order; they reach the hub
   * when read back (here and on every instance). While the database is away they wait, bounded
   * (the oldest beyond `bufferSize` are dropped and counted), and are appended once it is back.
   */
  append(views: readonly EventView[]): Promise<void> {
    for (const v of views) this.#waiting.push({ json: v.json, head: v.head });
    const over = this.#waiting.length - this.#o.bufferSize;
    if (over > 0) {
      this.#waiting.splice(0, over);
      this.#dropped.add(over);
    }
    return this.#send();
  }

  /** One append at a time, of everything waiting; on failure the events stay and a retry is set. */
  #send(): Promise<void> {
    if (this.#appending) return this.#appending;
    if (this.#waiting.length === 0) return Promise.resolve();
    const batch = this.#waiting;
    this.#waiting = [];
    this.#appending = this.#o.log
      .append(batch, this.#o.maxEvents)
      .then(
        () => undefined,
        () => {
          this.#waiting = [...batch, ...this.#waiting].slice(-this.#o.bufferSize);
          this.#retry ??= setTimeout(() => {
            this.#retry = undefined;
            this.#send();
          }, RETRY_MS).unref();
        },
      )
      .finally(() => {
        this.#appending = undefined;
        if (this.#waiting.length > 0 && !this.#retry) this.#send();
      });
    return this.#appending;
  }

  /** Reads forward from the cursor until nothing is new; one read at a time, again if woken meanwhile. */
  #pull(): void {
    if (!this.#started) return;
    if (this.#pulling) {
      this.#again = true;
      return;
    }
    this.#pulling = (async () => {
      do {
        this.#again = false;
        for (;;) {
          const page: LoggedEvent[] = await this.#o.log.after(this.#cursor, PAGE);
          if (page.length === 0) break;
          this.#cursor = page[page.length - 1].id;
          this.#o.events.mirror(page);
          this.#o.hub.publish(page);
          if (page.length < PAGE) break;
        }
      } while (this.#again);
    })()
      .catch(() => {
        // The database is away: the listener's reconnection wakes this again.
      })
      .finally(() => {
        this.#pulling = undefined;
      });
  }

  /** Resolves once what has been appended so far is read back (tests, forceFlush). */
  async settle(): Promise<void> {
    await this.#appending;
    this.#pull();
    while (this.#pulling) await this.#pulling;
  }

  async close(): Promise<void> {
    clearTimeout(this.#retry);
    await this.#send();
    this.#unsubscribe?.();
    this.#started = false;
    await this.#pulling;
    await this.#o.log.close();
  }
}
