import type { Logger } from '@opentelemetry/api';
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

/** The active state, built lazily by the builder `initTracking` (or the default) installed. */
export function trackingState(): TrackingState | undefined {
  if (state) return state;
  if (!builder) return undefined;
  const build = builder;
  builder = undefined;
  state = build();
  return state;
}

export function setStateBuilder(build: (() => TrackingState | undefined) | undefined): void {
  state = undefined;
  builder = build;
}

/** True once the state exists (first use happened). */
export function isStarted(): boolean {
  return state !== undefined;
}
