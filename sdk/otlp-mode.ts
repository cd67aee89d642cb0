import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Telemetry } from '../model/telemetry.ts';
import { ExportQueue } from '../pipeline/export-queue.ts';
import { LazyExporter } from '../pipeline/lazy-exporter.ts';
import type { OtlpSettings } from './otel-env.ts';

/**
 * The OTLP exporter's errors say "connect ECONNREFUSED 127.0.0.1:4318"; the application should
 * read which endpoint it was, so the URL leads the error the export queue reports.
 */
class NamedExporter implements LogRecordExporter {
  readonly #inner: LogRecordExporter;
  readonly #url: string;

  constructor(inner: LogRecordExporter, url: string) {
    this.#inner = inner;
    this.#url = url;
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    this.#inner.export(records, (result) => {
      if (result.code === ExportResultCode.SUCCESS) done(result);
      else done({ code: result.code, error: new Error(`${this.#url}: ${result.error?.message ?? 'export failed'}`) });
    });
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}

/**
 * The SDK's OTLP mode for logs: the OpenTelemetry exporter for the protocol behind unitrack's
 * export queue, so records are counted as sent or failed (`unitrack_exporter_*_total{exporter="otlp"}`)
 * and a failure is reported naming the URL.
 */
export function otlpLogQueue(settings: OtlpSettings, telemetry: Telemetry): ExportQueue {
  // The exporter for the protocol (gRPC, protobuf, HTTP) loads with the first export, off the caller's stack.
  const exporter = new LazyExporter<ReadableLogRecord>(async () => new NamedExporter(await logExporter(settings), settings.logsUrl));
  return new ExportQueue('otlp', exporter, telemetry, { queueSize: 8192, batchSize: 512 });
}

async function logExporter(settings: OtlpSettings): Promise<LogRecordExporter> {
  const config = { url: settings.logsUrl, headers: settings.logsHeaders };
  if (settings.protocol === 'grpc') {
    const [{ Metadata }, { OTLPLogExporter }] = await Promise.all([
      import('@grpc/grpc-js'),
      import('@opentelemetry/exporter-logs-otlp-grpc'),
    ]);
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(settings.logsHeaders)) metadata.set(k, v);
    return new OTLPLogExporter({ url: settings.logsUrl, metadata });
  }
  if (settings.protocol === 'http/json') return new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter(config);
  return new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter(config);
}

/** Spans of the tracer provider unitrack registers in OTLP mode, over OTLP/HTTP JSON (the trace exporter unitrack depends on). */
export function otlpSpanProcessors(settings: OtlpSettings): SpanProcessor[] {
  const unsent = settings.tracesUnsent;
  if (unsent) {
    // Said when a span ends unsent, not at start: most applications in this mode make none.
    let said = false;
    const sayOnce: SpanProcessor = {
      onStart() {},
      onEnd() {
        if (!said) diag.warn(unsent);
        said = true;
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    return [sayOnce];
  }
  if (!settings.tracesUrl) return [];
  const { tracesUrl: url, tracesHeaders: headers } = settings;
  const exporter = new LazyExporter<ReadableSpan>(
    async () => new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url, headers }),
  );
  return [new BatchSpanProcessor({ exporter })];
}
