/**
 * Helpers for an application that runs OpenTelemetry's http instrumentation beside unitrack.
 * This module loads nothing but the port registry, so an instrumentation file may import it early.
 */
import type { IncomingMessage } from 'node:http';
import { isUnitrackPort } from '../pipeline/listening-ports.ts';

/**
 * An `ignoreIncomingRequestHook` for `@opentelemetry/instrumentation-http`: true for requests to
 * unitrack's own servers in this process (the dashboard, an in-process OTLP receiver), recognised
 * by the local port they arrived on, so they make no server spans in the application's traces.
 *
 * ```ts
 * new HttpInstrumentation({ ignoreIncomingRequestHook: ignoreUnitrackRequests })
 * ```
 */
export function ignoreUnitrackRequests(request: IncomingMessage): boolean {
  return isUnitrackPort(request.socket?.localPort);
}
