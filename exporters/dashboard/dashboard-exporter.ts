import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Host } from '../../collector/component.ts';
import { toEventJson } from '../event-json.ts';
import { DashboardServer } from './dashboard-server.ts';
import { EventStore } from './event-store.ts';
import { StreamHub } from './stream-hub.ts';

export interface DashboardExporterOptions {
  host: string;
  port: number;
  token?: string;
  storePath: string;
  maxEvents: number;
  bufferSize: number;
  heartbeatMs: number;
  retryMs: number;
}

/** Where the running dashboard can be reached, published on `host.shared`. */
export const DASHBOARD_KEY = 'unitrack.dashboard';

/**
 * The live dashboard: every exported event is stored (for the API and for replay) and streamed to
 * connected clients. The HTTP server starts with the exporter; if its port cannot be had, that is
 * reported and events are still stored.
 */
export class DashboardExporter implements LogRecordExporter {
  readonly events: EventStore;
  readonly hub: StreamHub;
  readonly server: DashboardServer;
  readonly ready: Promise<void>;

  constructor(id: string, options: DashboardExporterOptions, host: Host) {
    this.events = new EventStore(options.storePath, options.maxEvents);
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
      events: this.events,
      hub: this.hub,
      componentHost: host,
    });
    this.ready = this.server.start().then(
      () => {
        const a = this.server.address;
        const h = a?.family === 'IPv6' ? `[${a.address}]` : a?.address;
        host.shared.set(DASHBOARD_KEY, { url: `http://${h}:${a?.port}`, port: a?.port });
      },
      (error) =>
        host.reportError(id, new Error(`dashboard could not listen on ${options.host}:${options.port}: ${(error as Error).message}`)),
    );
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      this.hub.publish(this.events.add(records.map((r) => toEventJson(r))));
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
