import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

// Detached from whatever request of the application happened to schedule the work, and marked so
// that http/undici instrumentations make no spans (nor inject trace headers) for it.
const UNTRACED = suppressTracing(ROOT_CONTEXT);

/**
 * Runs `fn` as unitrack's own traffic: deliveries and exports are not the application's, so they
 * must not show up in its traces. Timers and promises started inside keep this context.
 */
export function untraced<T>(fn: () => T): T {
  return context.with(UNTRACED, fn);
}
