import { diag, type Logger, logs } from '@opentelemetry/api';
import type { Counter, Telemetry } from '../model/telemetry.ts';
import { sdkDisabled } from './otel-env.ts';

/** What `track()` needs on its hot path, built once on first use. */
export interface TrackingState {
  readonly logger: Logger;
  readonly spanEvents: boolean;
  /** Calls dropped for bad input, or emitted where the pipeline never saw them (unitrack_sdk_dropped_total). */
  readonly dropped: Counter;
}

let state: TrackingState | undefined;
let builder: (() => TrackingState | undefined) | undefined;
/** True once the application chose a set-up (initTracking); the defaults then stay out of the way. */
let chosen = false;

/** The active state, built lazily by the builder `initTracking` (or the default) installed. */
export function trackingState(): TrackingState | undefined {
  if (state) return state;
  if (!builder) return undefined;
  const build = builder;
  builder = undefined;
  state = build();
  return state;
}

export function setStateBuilder(build: (() => TrackingState | undefined) | undefined, explicit = false): void {
  state = undefined;
  builder = build;
  chosen = explicit;
}

/** A `unitrackProcessor()` the application made for its own OpenTelemetry set-up. */
export interface GlobalPipeline {
  readonly received: number;
  readonly telemetry: Telemetry;
  forceFlush(): Promise<void>;
}

let globalPipeline: { pipeline: GlobalPipeline; dropped: Counter } | undefined;

/**
 * When the application runs the pipeline inside its own OpenTelemetry set-up (a NodeSDK with
 * `unitrackProcessor()`), track() emits through the global logs API instead of starting the
 * embedded default.
 */
export function useGlobalLogger(dropped: Counter, pipeline: GlobalPipeline): void {
  globalPipeline = { pipeline, dropped };
  if (chosen) return;
  setStateBuilder(() => globalLoggerState());
}

/** The pipeline of the latest `unitrackProcessor()`, if one was made. */
export function madePipeline(): GlobalPipeline | undefined {
  return globalPipeline?.pipeline;
}

/** track() through the global logs API, into the latest `unitrackProcessor()`; nothing when OTEL_SDK_DISABLED. */
export function globalLoggerState(spanEvents = true): TrackingState | undefined {
  const g = globalPipeline;
  if (!g || sdkDisabled()) return undefined;
  return { logger: checkedGlobalLogger(g.dropped, g.pipeline), spanEvents, dropped: g.dropped };
}

/**
 * The global logger, checked: `Logger.emit` reaches processors synchronously, so a record that did
 * not reach the pipeline went to a provider without it (or to no provider at all). Count it and say
 * so once, rather than lose it silently.
 */
function checkedGlobalLogger(dropped: Counter, pipeline: { readonly received: number }): Logger {
  const global = logs.getLogger('unitrack');
  let warned = false;
  return {
    enabled: (options) => global.enabled(options),
    emit(record) {
      const before = pipeline.received;
      global.emit(record);
      if (pipeline.received !== before) return;
      dropped.add();
      if (warned) return;
      warned = true;
      diag.warn(
        'unitrack: track() emitted through the global logs API, but unitrackProcessor() did not receive the record: ' +
          'register the LoggerProvider that holds it globally (logs.setGlobalLoggerProvider, or NodeSDK.start()). Such records are counted in unitrack_sdk_dropped_total.',
      );
    },
  };
}

/** True once the state exists (first use happened). */
export function isStarted(): boolean {
  return state !== undefined;
}
