import { type Logger, logs } from '@opentelemetry/api';
import type { Counter } from '../collector/telemetry.ts';

/** What `track()` needs on its hot path, built once on first use. */
export interface TrackingState {
  readonly logger: Logger;
  readonly spanEvents: boolean;
  /** Calls dropped for bad input (unitrack_sdk_dropped_total). */
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

/**
 * When the application runs the pipeline inside its own OpenTelemetry set-up (a NodeSDK with
 * `unitrackProcessor()`), track() emits through the global logs API instead of starting the
 * embedded default.
 */
export function useGlobalLogger(dropped: Counter): void {
  if (chosen) return;
  setStateBuilder(() => ({ logger: logs.getLogger('unitrack'), spanEvents: true, dropped }));
}

/** True once the state exists (first use happened). */
export function isStarted(): boolean {
  return state !== undefined;
}
