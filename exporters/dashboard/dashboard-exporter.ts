import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { eventView } from '../../model/event-json.ts';
import { SharedKey } from '../../model/shared-state.ts';
import type { Description, Host } from '../../pipeline/component.ts';
import { httpUrl } from '../../pipeline/endpoint.ts';
import { checkWritableStore, StartError } from '../../pipeline/start-up.ts';
import { DashboardServer } from './dashboard-server.ts';
import { EventStore } from './event-store.ts';
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
  readonly #options: DashboardExporterOptions;

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
    return this.#listening.catch((error) => {
      const h = this.#options.host.includes(':') ? `[${this.#options.host}]` : this.#options.host;
      throw new StartError('cannot listen on', `${h}:${this.#options.port}`, error);
    });
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
    try {
      this.hub.publish(this.events.add(records.map(eventView)));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    await this.ready;
    this.hub.close();
    await this.server.close();
    this.events.close();
  }
}
