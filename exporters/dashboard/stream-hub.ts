import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Telemetry } from '../../collector/telemetry.ts';
import type { Severity } from '../../sdk/severity.ts';
import type { StoredEvent } from './event-store.ts';

export interface StreamFilter {
  severity?: Severity[];
  category?: string;
  component?: string;
}

export interface StreamHubOptions {
  /** Recent events kept for replay to reconnecting clients. */
  bufferSize: number;
  /** Events queued for one client while its socket is full; past this the client is dropped. */
  clientQueueSize: number;
  heartbeatMs: number;
  /** The reconnection delay clients are told (`retry:`). */
  retryMs: number;
  telemetry: Telemetry;
}

/** One connected stream: a response, its filter, and a bounded queue used only while the socket is full. */
class StreamClient {
  readonly res: ServerResponse;
  readonly filter: StreamFilter;
  queue: string[] | undefined;
  closed = false;

  constructor(res: ServerResponse, filter: StreamFilter) {
    this.res = res;
    this.filter = filter;
  }

  matches(e: StoredEvent): boolean {
    const f = this.filter;
    if (f.severity && !f.severity.includes(e.event.severity)) return false;
    if (f.category && e.event.category !== f.category) return false;
    if (f.component && e.event.component !== f.component) return false;
    return true;
  }
}

/**
 * Server-Sent Events for the live tail. Ids are the event store's ids, so they increase strictly
 * across restarts; a client that reconnects with `Last-Event-ID` gets exactly what it missed from
 * the ring buffer, or an explicit `reset` when the buffer no longer reaches back. A client whose
 * socket stays full past its queue is dropped rather than buffered without end.
 */
export class StreamHub {
  readonly #o: StreamHubOptions;
  readonly #ring: StoredEvent[] = [];
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
    this.#slowDropped = t.counter('unitrack_dashboard_slow_clients_dropped_total', 'Live-tail clients dropped for reading too slowly.');
    this.#resets = t.counter(
      'unitrack_dashboard_stream_resets_total',
      'Reconnections told to reload because the buffer no longer reached back.',
    );
    this.#heartbeat = setInterval(() => {
      for (const c of this.#clients) this.#send(c, ': heartbeat\n\n');
    }, options.heartbeatMs).unref();
  }

  get clients(): number {
    return this.#clients.size;
  }

  get latestId(): number {
    return this.#ring.at(-1)?.id ?? 0;
  }

  /** Events from before a restart (oldest first), so replay works across it. */
  seed(events: StoredEvent[]): void {
    this.#ring.push(...events.slice(-this.#o.bufferSize));
  }

  publish(events: StoredEvent[]): void {
    for (const e of events) {
      this.#ring.push(e);
      if (this.#ring.length > this.#o.bufferSize) this.#ring.shift();
      let frame: string | undefined;
      for (const c of this.#clients) {
        if (!c.matches(e)) continue;
        frame ??= `id: ${e.id}\ndata: ${JSON.stringify(e.event)}\n\n`;
        this.#send(c, frame);
        this.#streamed.add();
      }
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
    const client = new StreamClient(res, filter);
    this.#clients.add(client);
    const close = () => this.#drop(client);
    res.on('close', close);
    res.on('error', close);
    let head = `retry: ${this.#o.retryMs}\n\n`;
    const latest = this.latestId;
    if (lastEventId === undefined) {
      head += `id: ${latest}\nevent: hello\ndata: ${JSON.stringify({ latest })}\n\n`;
    } else {
      const oldest = this.#ring[0]?.id;
      const reaches = lastEventId <= latest && (oldest === undefined ? lastEventId === latest : oldest <= lastEventId + 1);
      if (!reaches) {
        this.#resets.add();
        head += `id: ${latest}\nevent: reset\ndata: ${JSON.stringify({ latest, since: lastEventId })}\n\n`;
      } else {
        for (const e of this.#ring)
          if (e.id > lastEventId && client.matches(e)) head += `id: ${e.id}\ndata: ${JSON.stringify(e.event)}\n\n`;
      }
    }
    this.#send(client, head);
  }

  #send(c: StreamClient, chunk: string): void {
    if (c.closed) return;
    if (c.queue) {
      if (c.queue.length >= this.#o.clientQueueSize) {
        this.#slowDropped.add();
        this.#drop(c);
        c.res.destroy();
        return;
      }
      c.queue.push(chunk);
      return;
    }
    if (!c.res.write(chunk)) {
      c.queue = [];
      c.res.once('drain', () => this.#drain(c));
    }
  }

  #drain(c: StreamClient): void {
    const queued = c.queue ?? [];
    c.queue = undefined;
    for (let i = 0; i < queued.length; i++) {
      if (c.closed) return;
      if (!c.res.write(queued[i])) {
        c.queue = queued.slice(i + 1);
        c.res.once('drain', () => this.#drain(c));
        return;
      }
    }
  }

  #drop(c: StreamClient): void {
    if (c.closed) return;
    c.closed = true;
    c.queue = undefined;
    this.#clients.delete(c);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const c of this.#clients) {
      this.#drop(c);
      c.res.end();
    }
  }
}
