/**
 * What the OpenTelemetry API has registered in this process. Every copy of API 1.x keeps its
 * globals in one object under this symbol (that is how copies share them), and a kind is present
 * exactly while something is registered for it. Asking here, rather than calling `set…` and
 * reading the result, avoids the API's "Attempted duplicate registration" error.
 */
const API_GLOBALS = Symbol.for('opentelemetry.js.api.1');

export type GlobalKind = 'context' | 'propagation' | 'trace' | 'logs' | 'diag';

export function isRegistered(kind: GlobalKind): boolean {
  const api = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[API_GLOBALS];
  return api?.[kind] !== undefined && api[kind] !== null;
}
