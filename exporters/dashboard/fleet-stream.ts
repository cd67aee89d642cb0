/**
 * The dashboard's stream when the fleet shares one (a group store on PostgreSQL publishes its
 * event log under EVENT_LOG): exported events are appended to the shared log, and what any
 * instance appended comes back, woken by LISTEN/NOTIFY, into this instance's event store (a copy
 * of the fleet's recent events, same ids) and its stream hub. So every instance streams the same
 * events under the same ids, and a client resumes with its `Last-Event-ID` on any of them.
 */
import type { EventView } from '../../model/event-json.ts';
import type { LoggedEvent, SharedEventLog } from '../../model/event-log.ts';
import type { EventStore } from './event-store.ts';
import type { StreamHub } from './stream-hub.ts';

const PAGE = 1000;

export interface FleetStreamOptions {
  log: SharedEventLog;
  events: EventStore;
  hub: StreamHub;
  /** Events the shared log keeps (the dashboard's `store.max_events`). */
  maxEvents: number;
  /** Events read back at start (the hub's ring). */
  bufferSize: number;
}

export class FleetStream {
  readonly #o: FleetStreamOptions;
  /** The newest id this instance has read from the log. */
  #cursor = 0;
  #pulling: Promise<void> | undefined;
  #again = false;
  #unsubscribe: (() => void) | undefined;
  #started = false;

  constructor(options: FleetStreamOptions) {
    this.#o = options;
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

  /** Appends exported events to the shared log; they reach the hub when read back (here and on every instance). */
  async append(views: readonly EventView[]): Promise<void> {
    await this.#o.log.append(views, this.#o.maxEvents);
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
    this.#pull();
    while (this.#pulling) await this.#pulling;
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#started = false;
    await this.#pulling;
    await this.#o.log.close();
  }
}
