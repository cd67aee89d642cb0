import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { eventView } from '../../model/event-json.ts';
import { EVENT_LOG } from '../../model/event-log.ts';
import { SharedKey } from '../../model/shared-state.ts';
import type { Description, Host } from '../../pipeline/component.ts';
import { httpUrl } from '../../pipeline/endpoint.ts';
import { checkWritableStore, StartError } from '../../pipeline/start-up.ts';
import { DashboardServer } from './dashboard-server.ts';
import { EventStore } from './event-store.ts';
import { FleetStream } from './fleet-stream.ts';
import { StreamHub } from './stream-hub.ts';

export interface DashboardExporterOptions {
  host: string;
  port: number;
  token?: string;
  allowedHosts?: readonly string[];
  storePath: string;
  maxEvents: number;
  bufferSize: number;
  heartbeatMs: number;
  retryMs: number;
}

/** Where the running dashboard can be reached, published on `host.shared`. */
export const DASHBOARD_KEY = new SharedKey<{ url: string; port: number }>('dashboard');

/**
 * The live dashboard: every exported event is stored (for the API and for replay) and streamed to
 * connected clients. The HTTP server starts listening with the exporter; `start()` rejects when its
 * port cannot be had (events are still stored), and the constructor throws when the store cannot
 * be opened.
 */
export class DashboardExporter implements LogRecordExporter {
  readonly events: EventStore;
  readonly hub: StreamHub;
  readonly server: DashboardServer;
  /** Settles once the server listens or could not (never rejects). */
  readonly ready: Promise<void>;
  readonly #listening: Promise<void>;
  readonly #options: DashboardExporterOptions & { componentHost: Host };
  /** The fleet's shared stream, when a shared group store offers one (fleet-stream.ts). */
  #fleet: FleetStream | undefined;

  constructor(options: DashboardExporterOptions & { componentHost: Host }) {
    const host = options.componentHost;
    this.#options = options;
    try {
      checkWritableStore(options.storePath, 'the dashboard store');
      this.events = new EventStore(options.storePath, options.maxEvents);
    } catch (error) {
      throw error instanceof StartError ? error : new StartError('cannot open the dashboard store', options.storePath, error);
    }
    this.hub = new StreamHub({
      bufferSize: options.bufferSize,
      heartbeatMs: options.heartbeatMs,
      retryMs: options.retryMs,
      telemetry: host.telemetry,
    });
    this.hub.seed(this.events.query({ limit: Math.min(options.bufferSize, 1000) }).reverse());
    this.server = new DashboardServer({
      host: options.host,
      port: options.port,
      token: options.token,
      allowedHosts: options.allowedHosts,
      events: this.events,
      hub: this.hub,
      componentHost: host,
    });
    this.#listening = this.server.start().then(() => {
      const a = this.server.address;
      if (a) host.shared.set(DASHBOARD_KEY, { url: httpUrl(a), port: a.port });
    });
    this.ready = this.#listening.catch(() => undefined);
  }

  /** Resolves once the server listens; rejects naming the address and the cause when it cannot. */
  start(): Promise<void> {
    const listening = this.#listening.catch((error) => {
      const h = this.#options.host.includes(':') ? `[${this.#options.host}]` : this.#options.host;
      throw new StartError('cannot listen on', `${h}:${this.#options.port}`, error);
    });
    // Components are all created before any starts: a shared group store has published its log by now.
    const log = this.#options.componentHost.shared.get(EVENT_LOG);
    if (!log) return listening;
    const o = this.#options;
    this.#fleet = new FleetStream({
      log,
      events: this.events,
      hub: this.hub,
      maxEvents: o.maxEvents,
      bufferSize: o.bufferSize,
      telemetry: o.componentHost.telemetry,
    });
    const following = this.#fleet.start().catch((error) => {
      throw error instanceof StartError ? error : new StartError('cannot read the shared stream of', log.where, error);
    });
    return Promise.all([listening, following]).then(() => undefined);
  }

  describe(): Description {
    const a = this.server.address;
    const url = a ? httpUrl(a) : undefined;
    const store = this.#options.storePath;
    return {
      endpoints: url
        ? [
            { name: this.#options.token ? 'dashboard (token required)' : 'dashboard', url: `${url}/` },
            { name: 'metrics', url: `${url}/metrics` },
            { name: 'health', url: `${url}/healthz` },
          ]
        : [],
      paths: store === ':memory:' ? [] : [{ name: 'dashboard store', path: store }],
    };
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    if (this.#fleet) {
      this.#fleet.append(records.map(eventView)).then(
        () => done({ code: ExportResultCode.SUCCESS }),
        (error: unknown) => done({ code: ExportResultCode.FAILED, error: error as Error }),
      );
      return;
    }
    try {
      this.hub.publish(this.events.add(records.map(eventView)));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async forceFlush(): Promise<void> {
    await this.#fleet?.settle();
  }

  async shutdown(): Promise<void> {
    await this.ready;
    await this.#fleet?.close();
    this.hub.close();
    await this.server.close();
    this.events.close();
  }
}
