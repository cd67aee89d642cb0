import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Severity } from '../../model/severity.ts';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import type { StoredEvent } from './event-store.ts';

export interface StreamFilter {
  severity?: Severity[];
  category?: string;
  component?: string;
}

export interface StreamHubOptions {
  /** Recent events kept for replay to reconnecting clients and for clients that fall behind. */
  bufferSize: number;
  heartbeatMs: number;
  /** The reconnection delay clients are told (`retry:`). */
  retryMs: number;
  telemetry: Telemetry;
}

/** An event of the ring with its SSE frame, built once for every client. */
interface RingEntry {
  readonly id: number;
  readonly stored: StoredEvent;
  frame: string | undefined;
}

/**
 * One connected stream. It holds no queue of its own: `cursor` is the id of the last event it has
 * been given (or skipped by its filter), and it reads forward from the shared ring whenever its
 * socket can take more. So a client costs the same whether it is fast or slow.
 */
class StreamClient {
  readonly res: ServerResponse;
  readonly filter: StreamFilter;
  cursor: number;
  /** The socket is full; writing resumes on `drain`. */
  waiting = false;
  closed = false;

  constructor(res: ServerResponse, filter: StreamFilter, cursor: number) {
    this.res = res;
    this.filter = filter;
    this.cursor = cursor;
  }

  matches(e: StoredEvent): boolean {
    const f = this.filter;
    if (f.severity && !f.severity.includes(e.head.severity)) return false;
    if (f.category && e.head.category !== f.category) return false;
    if (f.component && e.head.component !== f.component) return false;
    return true;
  }
}

/**
 * Server-Sent Events for the live tail. Ids are the event store's ids, so they increase strictly
 * across restarts. Every client reads from one bounded ring of recent events at its own pace: live
 * events and the replay a reconnecting client asks for with `Last-Event-ID` are the same code path.
 * A client is dropped only when it falls so far behind that the ring no longer holds what it has
 * not read; a reconnecting client whose `Last-Event-ID` the ring no longer reaches gets `reset`.
 * Memory is the ring plus one socket buffer per client, however slow the clients are.
 */
export class StreamHub {
  readonly #o: StreamHubOptions;
  readonly #ring: RingEntry[] = [];
  /** Index in #ring of the oldest entry (the ring is an array used circularly once full). */
  #start = 0;
  /** Ids are fleet-wide (shareIds()). */
  #sharedIds = false;
  readonly #clients = new Set<StreamClient>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #streamed: Counter;
  readonly #slowDropped: Counter;
  readonly #resets: Counter;

  constructor(options: StreamHubOptions) {
    this.#o = options;
    const t = options.telemetry;
    t.gauge('unitrack_dashboard_stream_clients', 'Connected live-tail clients.', () => this.#clients.size);
    this.#streamed = t.counter('unitrack_dashboard_events_streamed_total', 'Events written to live-tail clients.');
    this.#slowDropped = t.counter(
      'unitrack_dashboard_slow_clients_dropped_total',
      'Live-tail clients dropped because they fell behind the replay buffer.',
    );
    this.#resets = t.counter(
      'unitrack_dashboard_stream_resets_total',
      'Reconnections told to reload because the buffer no longer reached back.',
    );
    this.#heartbeat = setInterval(() => {
      for (const c of this.#clients) if (!c.waiting) this.#write(c, ': heartbeat\n\n');
    }, options.heartbeatMs).unref();
  }

  get clients(): number {
    return this.#clients.size;
  }

  get latestId(): number {
    return this.#at(this.#ring.length - 1)?.id ?? 0;
  }

  /** Events from before a restart (oldest first), so replay works across it. */
  seed(events: StoredEvent[]): void {
    for (const e of events.slice(-this.#o.bufferSize)) this.#push(e);
  }

  /**
   * The ids now come from a sequence the fleet shares (a shared store's event log): the ring starts
   * again from `events` (oldest first), and a `Last-Event-ID` above the newest id held here is an
   * event another instance has streamed and this one has not read yet, not an id from before a
   * reset: the client resumes from it, and gets what follows as it arrives.
   */
  shareIds(events: StoredEvent[]): void {
    this.#sharedIds = true;
    this.#ring.length = 0;
    this.#start = 0;
    this.seed(events);
  }

  publish(events: StoredEvent[]): void {
    for (const e of events) this.#push(e);
    for (const c of this.#clients) {
      if (!c.waiting) this.#pump(c);
      else if (!this.#reaches(c.cursor)) this.#dropSlow(c);
    }
  }

  connect(req: IncomingMessage, res: ServerResponse, filter: StreamFilter, lastEventId: number | undefined): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const latest = this.latestId;
    let head = `retry: ${this.#o.retryMs}\n\n`;
    let cursor = latest;
    if (lastEventId === undefined) {
      head += `id: ${latest}\nevent: hello\ndata: ${JSON.stringify({ latest })}\n\n`;
    } else if (this.#reaches(lastEventId)) {
      cursor = lastEventId;
    } else {
      this.#resets.add();
      head += `id: ${latest}\nevent: reset\ndata: ${JSON.stringify({ latest, since: lastEventId })}\n\n`;
    }
    const client = new StreamClient(res, filter, cursor);
    this.#clients.add(client);
    const close = () => this.#drop(client);
    res.on('close', close);
    res.on('error', close);
    if (this.#write(client, head)) this.#pump(client);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const c of this.#clients) {
      this.#drop(c);
      c.res.end();
    }
  }

  /** True when every event after `lastEventId` is still in the ring (or, with fleet-wide ids, is still to come). */
  #reaches(lastEventId: number): boolean {
    const latest = this.latestId;
    const oldest = this.#at(0)?.id;
    if (this.#sharedIds && lastEventId >= latest) return true;
    return lastEventId <= latest && (oldest === undefined ? lastEventId === latest : oldest <= lastEventId + 1);
  }

  /** Writes the client's unread events from the ring until its socket is full or it is current. */
  #pump(c: StreamClient): void {
    if (c.closed || c.cursor >= this.latestId) return;
    if (!this.#reaches(c.cursor)) {
      this.#dropSlow(c);
      return;
    }
    for (let i = this.#indexAfter(c.cursor); i < this.#ring.length; i++) {
      const entry = this.#at(i) as RingEntry;
      c.cursor = entry.id;
      if (!c.matches(entry.stored)) continue;
      entry.frame ??= `id: ${entry.id}\ndata: ${entry.stored.json}\n\n`;
      this.#streamed.add();
      if (!this.#write(c, entry.frame)) return;
    }
  }

  /** Writes a chunk; on a full socket marks the client waiting and pumps again on `drain`. */
  #write(c: StreamClient, chunk: string): boolean {
    if (c.closed) return false;
    if (c.res.write(chunk)) return true;
    c.waiting = true;
    c.res.once('drain', () => {
      c.waiting = false;
      this.#pump(c);
    });
    return false;
  }

  /** The ring no longer holds what the client has not read: it cannot be served without a gap. */
  #dropSlow(c: StreamClient): void {
    this.#slowDropped.add();
    this.#drop(c);
    c.res.destroy();
  }

  #drop(c: StreamClient): void {
    if (c.closed) return;
    c.closed = true;
    this.#clients.delete(c);
  }

  #push(stored: StoredEvent): void {
    const entry: RingEntry = { id: stored.id, stored, frame: undefined };
    if (this.#ring.length < this.#o.bufferSize) {
      this.#ring.push(entry);
      return;
    }
    this.#ring[this.#start] = entry;
    this.#start = (this.#start + 1) % this.#ring.length;
  }

  /** The i-th oldest entry. */
  #at(i: number): RingEntry | undefined {
    if (i < 0 || i >= this.#ring.length) return undefined;
    return this.#ring[(this.#start + i) % this.#ring.length];
  }

  /** The logical index of the first entry with an id above `id` (ids increase along the ring). */
  #indexAfter(id: number): number {
    let lo = 0;
    let hi = this.#ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#at(mid) as RingEntry).id <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
