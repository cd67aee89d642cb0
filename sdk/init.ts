import { type Attributes, context, diag, logs, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '../model/attributes.ts';
import { Telemetry } from '../model/telemetry.ts';
import type { ConfigInput } from '../pipeline/config/load-config.ts';
import { installDiagLogger } from './diag-logger.ts';
import { registerExitDrain } from './exit-drain.ts';
import { envResource, type OtlpProtocol, otlpLogsExporterRequested, otlpSettings, sdkDisabled } from './otel-env.ts';
import { isRegistered } from './otel-globals.ts';
import { otlpLogQueue, otlpSpanProcessors } from './otlp-mode.ts';
import { globalLoggerState, madePipeline, setStateBuilder, type TrackingState, trackingState } from './state.ts';
import { installUncaughtCapture } from './uncaught.ts';
import { UnitrackProcessor } from './unitrack-processor.ts';

export interface InitOptions {
  /** Embedded pipeline config: a YAML file (or several), an object. Default `collector-config/default.yaml`. */
  config?: ConfigInput;
  /**
   * Send OTLP to a collector or any OTLP backend instead of running the pipeline here. Unset
   * fields come from the OTEL_EXPORTER_OTLP_* variables. Also chosen, without this option, by
   * `OTEL_LOGS_EXPORTER=otlp` when no `config` is given.
   */
  otlp?: {
    /** Base URL, e.g. `http://127.0.0.1:4318`; over HTTP `/v1/logs` and `/v1/traces` are appended. */
    endpoint?: string;
    headers?: Record<string, string>;
    /** Default `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
    protocol?: OtlpProtocol | 'grpc';
  };
  /** `service.name`; default `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else the SDK's default. */
  serviceName?: string;
  serviceVersion?: string;
  /** More resource attributes (over `OTEL_RESOURCE_ATTRIBUTES`). */
  resource?: Attributes;
  /** Also add each event to the active span. Default true. */
  spanEvents?: boolean;
  /** Track uncaught exceptions and unhandled rejections as critical events. Default false. */
  captureUncaught?: boolean;
  /** Drain on SIGTERM and SIGINT before the process exits. Default true. */
  handleSignals?: boolean;
  /** Register a context manager, W3C propagators, a tracer and a logger provider where the application has none. Default true. */
  registerGlobals?: boolean;
  /** Directory for component state; also fills `${env:UNITRACK_DATA_DIR}` in the config. Default `$UNITRACK_DATA_DIR`, else `./data`. */
  dataDir?: string;
}

interface Running {
  /** Absent when unitrack joined the application's own OpenTelemetry set-up. */
  loggerProvider?: LoggerProvider;
  tracerProvider?: TracerProvider;
  telemetry: Telemetry;
  processor?: UnitrackProcessor;
  /** The application's own `unitrackProcessor()`, when joined: flushed, never shut down here. */
  joined?: { forceFlush(): Promise<void> };
  /** Undo at once on re-init, so the next set-up can register. */
  globals: (() => void)[];
  cleanup: (() => void)[];
}

let running: Running | undefined;

/**
 * Sets tracking up: context manager, propagators and tracer provider now (cheap, and needed for
 * trace and correlation IDs before the first event), and the config is read now, so a broken one
 * is reported at once; the pipeline's files, ports and timers start on the first event. Calling it
 * again replaces the previous set-up after draining it.
 */
export function initTracking(options: InitOptions = {}): void {
  const previous = running;
  running = undefined;
  if (previous) {
    for (const g of previous.globals.splice(0)) g();
    void shutdownRunning(previous);
  }
  setStateBuilder(() => build(options), true);
  trackingState();
}

// Tracking works without initTracking(): the embedded default starts on first use.
setStateBuilder(() => build({}));

/** Records (and ended spans) seen since start: what a `beforeExit` flush would have to write. */
class ActivityProbe implements LogRecordProcessor, SpanProcessor {
  seen = 0;
  onEmit(): void {
    this.seen++;
  }
  onStart(): void {}
  onEnd(): void {
    this.seen++;
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function build(options: InitOptions): TrackingState | undefined {
  if (sdkDisabled()) return undefined;
  installDiagLogger();
  const register = options.registerGlobals !== false;
  // An OpenTelemetry SDK (a NodeSDK) already registered a logger provider: join it, never register over it.
  if (register && isRegistered('logs')) return join(options);

  const telemetry = new Telemetry();
  const globals: (() => void)[] = [];
  const cleanup: (() => void)[] = [];
  const resource = defaultResource()
    .merge(envResource())
    .merge(
      resourceFromAttributes({
        ...options.resource,
        ...(options.serviceName ? { [ATTR_SERVICE_NAME]: options.serviceName } : {}),
        ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      }),
    );
  const probe = new ActivityProbe();
  const otlp = options.otlp ?? (options.config === undefined && otlpLogsExporterRequested() ? {} : undefined);
  const settings = otlp ? otlpSettings(otlp) : undefined;
  for (const w of settings?.warnings ?? []) diag.warn(w);

  let tracerProvider: TracerProvider | undefined;
  if (register) {
    registerContext(globals);
    if (!isRegistered('trace')) {
      tracerProvider = new TracerProvider({ resource, spanProcessors: settings ? [probe, ...otlpSpanProcessors(settings)] : [] });
      if (trace.setGlobalTracerProvider(tracerProvider)) globals.push(() => trace.disable());
    }
  }

  let processor: LogRecordProcessor;
  let unitrack: UnitrackProcessor | undefined;
  if (settings) processor = otlpLogQueue(settings, telemetry);
  else {
    unitrack = new UnitrackProcessor({ config: options.config, dataDir: options.dataDir, telemetry, drainOnExit: false });
    processor = unitrack;
  }
  const loggerProvider = new LoggerProvider({ resource, processors: [probe, processor] });
  if (register && logs.setGlobalLoggerProvider(loggerProvider)) globals.push(() => logs.disable());

  const r: Running = { loggerProvider, tracerProvider, telemetry, processor: unitrack, globals, cleanup };
  running = r;
  let flushedAt = 0;
  cleanup.push(
    registerExitDrain({
      pending: () => probe.seen !== flushedAt,
      flush: () => {
        flushedAt = probe.seen;
        return flushTracking();
      },
      shutdown: () => (running === r ? shutdownTracking() : Promise.resolve()),
      signals: options.handleSignals !== false,
    }),
  );
  if (options.captureUncaught) cleanup.push(installUncaughtCapture(() => flushTracking()));
  return {
    logger: loggerProvider.getLogger('unitrack'),
    spanEvents: options.spanEvents !== false,
    dropped: telemetry.counter('unitrack_sdk_dropped_total', 'track() calls dropped for bad input.'),
  };
}

/**
 * track() emits through the application's registered logger provider. With `unitrackProcessor()`
 * in it, that is unitrack's pipeline; without, say once what to do rather than start a second
 * pipeline the application's SDK never sees.
 */
function join(options: InitOptions): TrackingState | undefined {
  const pipeline = madePipeline();
  const cleanup: (() => void)[] = [];
  if (pipeline) {
    if (options.config !== undefined || options.otlp !== undefined)
      diag.warn(
        'unitrack: initTracking() joined the OpenTelemetry SDK already registered, whose unitrackProcessor() runs the pipeline: its `config`/`otlp` options are not used',
      );
    else diag.debug('unitrack: initTracking() joined the OpenTelemetry SDK already registered (unitrackProcessor() runs the pipeline)');
  } else {
    diag.warn(
      'unitrack: initTracking() found an OpenTelemetry logger provider already registered (a NodeSDK?) and does not register a second one. ' +
        "track() emits through the application's provider; to run unitrack's pipeline, add unitrackProcessor() to it: " +
        'new NodeSDK({ logRecordProcessors: [unitrackProcessor()] }).',
    );
  }
  const telemetry = pipeline?.telemetry ?? new Telemetry();
  running = { telemetry, joined: pipeline, globals: [], cleanup };
  if (options.captureUncaught) cleanup.push(installUncaughtCapture(() => flushTracking()));
  const state = globalLoggerState(options.spanEvents !== false);
  if (state) return state;
  return {
    logger: logs.getLogger('unitrack'),
    spanEvents: options.spanEvents !== false,
    dropped: telemetry.counter('unitrack_sdk_dropped_total', 'track() calls dropped for bad input.'),
  };
}

/** A context manager and W3C propagators, each only where the application registered none. */
function registerContext(globals: (() => void)[]): void {
  if (!isRegistered('context')) {
    const manager = new AsyncLocalStorageContextManager().enable();
    if (context.setGlobalContextManager(manager)) globals.push(() => context.disable());
    else manager.disable();
  }
  if (
    !isRegistered('propagation') &&
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
  )
    globals.push(() => propagation.disable());
}

/** Exports everything accepted so far. */
export async function flushTracking(): Promise<void> {
  const r = running;
  if (!r) return;
  try {
    await r.loggerProvider?.forceFlush();
    await r.tracerProvider?.forceFlush();
    await r.joined?.forceFlush();
  } catch (error) {
    diag.error(`unitrack: flush failed: ${(error as Error).message}`);
  }
}

/** Drains every queue and stops; tracking after this starts a fresh default set-up on first use. */
export async function shutdownTracking(): Promise<void> {
  const r = running;
  running = undefined;
  setStateBuilder(() => build({}));
  if (r) {
    for (const g of r.globals.splice(0)) g();
    await shutdownRunning(r);
  }
}

async function shutdownRunning(r: Running): Promise<void> {
  try {
    // A joined pipeline belongs to the application's SDK: drained here, stopped by its shutdown.
    await r.joined?.forceFlush();
    await r.loggerProvider?.shutdown();
    await r.tracerProvider?.shutdown();
  } catch (error) {
    diag.error(`unitrack: shutdown failed: ${(error as Error).message}`);
  } finally {
    for (const c of r.cleanup.splice(0)) c();
    for (const g of r.globals.splice(0)) g();
  }
}

/** The embedded pipeline's processor, if this process runs one (the in-process groups API reads it). */
export function embeddedProcessor(): UnitrackProcessor | undefined {
  return running?.processor;
}

/** The pipeline running in this process (embedded mode), started now if it was not; for tests and tools. */
export function embeddedService() {
  return running?.processor?.service;
}

/** The SDK's own counters (drops for bad input; in OTLP mode `unitrack_exporter_{sent,failed,dropped}_total{exporter="otlp"}`). */
export function sdkTelemetry(): Telemetry | undefined {
  return running?.telemetry;
}
