import { type Attributes, context, diag, logs, ProxyTracerProvider, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ConfigInput } from '../collector/config/load-config.ts';
import { Telemetry } from '../collector/telemetry.ts';
import { ExportQueue } from '../exporters/export-queue.ts';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from './attributes.ts';
import { setStateBuilder, type TrackingState, trackingState } from './state.ts';
import { installUncaughtCapture } from './uncaught.ts';
import { UnitrackProcessor } from './unitrack-processor.ts';

export interface InitOptions {
  /** Embedded pipeline config: a YAML file (or several), an object. Default `collector-config/default.yaml`. */
  config?: ConfigInput;
  /** Send OTLP to a collector or any OTLP backend instead of running the pipeline here. */
  otlp?: {
    /** Base URL, e.g. `http://127.0.0.1:4318`; `/v1/logs` and `/v1/traces` are appended. */
    endpoint: string;
    headers?: Record<string, string>;
  };
  /** `service.name`; default `OTEL_SERVICE_NAME` or the SDK's default. */
  serviceName?: string;
  serviceVersion?: string;
  /** More resource attributes. */
  resource?: Attributes;
  /** Also add each event to the active span. Default true. */
  spanEvents?: boolean;
  /** Track uncaught exceptions and unhandled rejections as critical events. Default false. */
  captureUncaught?: boolean;
  /** Drain on SIGTERM and SIGINT before the process exits. Default true. */
  handleSignals?: boolean;
  /** Register a context manager, W3C propagators and a tracer provider where the application has none. Default true. */
  registerGlobals?: boolean;
  /** Directory for component state; also fills `${env:UNITRACK_DATA_DIR}` in the config. Default `$UNITRACK_DATA_DIR`, else `./data`. */
  dataDir?: string;
}

interface Running {
  loggerProvider: LoggerProvider;
  tracerProvider?: TracerProvider;
  telemetry: Telemetry;
  processor?: UnitrackProcessor;
  cleanup: (() => void)[];
}

let running: Running | undefined;

/**
 * Sets tracking up: context manager, propagators and tracer provider now (cheap, and needed for
 * trace and correlation IDs before the first event); the pipeline's files, ports and timers on
 * the first event. Calling it again replaces the previous set-up after draining it.
 */
export function initTracking(options: InitOptions = {}): void {
  if (running) void shutdownRunning(running);
  running = undefined;
  setStateBuilder(() => build(options), true);
  trackingState();
}

// Tracking works without initTracking(): the embedded default starts on first use.
setStateBuilder(() => build({}));

function build(options: InitOptions): TrackingState | undefined {
  const telemetry = new Telemetry();
  const cleanup: (() => void)[] = [];
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...options.resource,
      ...(options.serviceName ? { [ATTR_SERVICE_NAME]: options.serviceName } : {}),
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }),
  );
  let tracerProvider: TracerProvider | undefined;
  if (options.registerGlobals !== false) tracerProvider = registerGlobals(resource, options, cleanup);

  let processor: LogRecordProcessor;
  let unitrack: UnitrackProcessor | undefined;
  if (options.otlp) {
    const exporter = new OTLPLogExporter({ url: joinUrl(options.otlp.endpoint, '/v1/logs'), headers: options.otlp.headers });
    processor = new ExportQueue('otlp', exporter, telemetry, { queueSize: 8192, batchSize: 512 });
  } else {
    unitrack = new UnitrackProcessor({ config: options.config, dataDir: options.dataDir, telemetry });
    processor = unitrack;
  }
  const loggerProvider = new LoggerProvider({ resource, processors: [processor] });
  if (options.registerGlobals !== false && logs.setGlobalLoggerProvider(loggerProvider)) cleanup.push(() => logs.disable());

  running = { loggerProvider, tracerProvider, telemetry, processor: unitrack, cleanup };
  if (options.handleSignals !== false) cleanup.push(installSignalDrain());
  if (options.captureUncaught) cleanup.push(installUncaughtCapture(() => flushTracking()));
  return {
    logger: loggerProvider.getLogger('unitrack'),
    spanEvents: options.spanEvents !== false,
    dropped: telemetry.counter('unitrack_sdk_dropped_total', 'track() calls dropped for bad input.'),
  };
}

function registerGlobals(
  resource: ReturnType<typeof defaultResource>,
  options: InitOptions,
  cleanup: (() => void)[],
): TracerProvider | undefined {
  const manager = new AsyncLocalStorageContextManager();
  // The API refuses a second registration; an application's own manager wins.
  if (context.setGlobalContextManager(manager.enable())) cleanup.push(() => context.disable());
  else manager.disable();
  if (
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
  ) {
    cleanup.push(() => propagation.disable());
  }
  const current = trace.getTracerProvider();
  const hasOwn = !(current instanceof ProxyTracerProvider) || current.getDelegate().constructor.name !== 'NoopTracerProvider';
  if (hasOwn) return undefined;
  const spanProcessors = options.otlp
    ? [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: joinUrl(options.otlp.endpoint, '/v1/traces'), headers: options.otlp.headers }),
        }),
      ]
    : [];
  const provider = new TracerProvider({ resource, spanProcessors });
  if (trace.setGlobalTracerProvider(provider)) cleanup.push(() => trace.disable());
  return provider;
}

function joinUrl(base: string, path: string): string {
  const b = /^https?:\/\//.test(base) ? base : `http://${base}`;
  return b.endsWith(path) ? b : b.replace(/\/+$/, '') + path;
}

/** Drains on SIGTERM/SIGINT; when nothing else listens, exits as the signal would have. */
function installSignalDrain(): () => void {
  const handler = (signal: NodeJS.Signals) => {
    const alone = process.listenerCount(signal) === 1;
    void flushTracking()
      .then(() => shutdownTracking())
      .finally(() => {
        if (alone) {
          process.removeListener(signal, handler);
          process.kill(process.pid, signal);
        }
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.removeListener('SIGTERM', handler);
    process.removeListener('SIGINT', handler);
  };
}

/** Exports everything accepted so far. */
export async function flushTracking(): Promise<void> {
  const r = running;
  if (!r) return;
  try {
    await r.loggerProvider.forceFlush();
    await r.tracerProvider?.forceFlush();
  } catch (error) {
    diag.error(`unitrack: flush failed: ${(error as Error).message}`);
  }
}

/** Drains every queue and stops; tracking after this starts a fresh default set-up on first use. */
export async function shutdownTracking(): Promise<void> {
  const r = running;
  running = undefined;
  setStateBuilder(() => build({}));
  if (r) await shutdownRunning(r);
}

async function shutdownRunning(r: Running): Promise<void> {
  try {
    await r.loggerProvider.shutdown();
    await r.tracerProvider?.shutdown();
  } catch (error) {
    diag.error(`unitrack: shutdown failed: ${(error as Error).message}`);
  } finally {
    for (const c of r.cleanup) c();
  }
}

/** The pipeline running in this process (embedded mode), started now if it was not; for tests and tools. */
export function embeddedService() {
  return running?.processor?.service;
}

/** The SDK's own counters (drops for bad input, queue drops in OTLP mode). */
export function sdkTelemetry(): Telemetry | undefined {
  return running?.telemetry;
}
