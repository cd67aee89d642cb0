/**
 * The events every row tracks: realistic messages with dynamic values (IDs, durations, addresses,
 * which the fingerprint normalizer folds into one group per template), and a share of messages
 * never seen before (a new word in the text, so a new fingerprint).
 */

export type BenchSeverity = 'info' | 'low' | 'medium' | 'high';

export interface BenchEvent {
  event: string;
  severity: BenchSeverity;
  category: string;
  component: string;
  message: string;
  user: string;
  metadata: { orderId: number; durationMs: number; route: string };
}

const TEMPLATES: ((i: number) => string)[] = [
  (i) => `Memory server failed to respond after ${i % 900}ms`,
  (i) => `user ${i % 5000} logged in from 10.0.${i % 255}.${(i * 7) % 255}`,
  (i) => `GET /api/items/${i} returned 502`,
  (i) => `payment ${i} declined for card ending ${1000 + (i % 9000)}`,
  (i) => `cache miss for key item:${i}`,
  // An 8-digit hex task ID with a letter and a digit, as the normalizer replaces (like Sentry: hex
  // runs of 8+ with a digit). A bare i.toString(16) (1–6 digits) stays in the text, as words such
  // as "add", "cafe" or "e2e" must, so it made a new group of nearly every one of these events.
  (i) => `task ${(0xa0000000 + (i % 0x10000000)).toString(16)} finished in ${(i % 97) / 10}s`,
  (i) => `order ${i} shipped to warehouse ${i % 17}`,
  (i) => `retrying request ${i} to upstream (attempt ${i % 5})`,
];
const EVENTS = [
  'mcp_server_failed',
  'user_login',
  'upstream_error',
  'payment_declined',
  'cache_miss',
  'task_done',
  'order_shipped',
  'retry',
];
const CATEGORIES = ['mcp', 'task', 'health', 'dashboard'];
const SEVERITIES: BenchSeverity[] = ['info', 'info', 'info', 'low', 'medium', 'medium', 'high', 'info'];

/** A word no template has, unique to i: makes the message (and its fingerprint) new. */
export function newWord(i: number): string {
  let s = '';
  let n = i + 1;
  while (n > 0) {
    s += String.fromCharCode(97 + (n % 26));
    n = Math.floor(n / 26);
  }
  return s;
}

/**
 * Event number i. `newShare` of the events (0.1 = one in ten) carry a message never seen before.
 */
export function benchEvent(i: number, newShare = 0.1): BenchEvent {
  const k = i % TEMPLATES.length;
  const fresh = newShare >= 1 || (newShare > 0 && i % Math.round(1 / newShare) === 0);
  return {
    event: EVENTS[k],
    severity: SEVERITIES[k],
    category: CATEGORIES[i % CATEGORIES.length],
    component: `component_${i % 12}`,
    message: fresh ? `feature flag ${newWord(i)} missing in ${TEMPLATES[k](i)}` : TEMPLATES[k](i),
    user: `user-${i % 5000}`,
    metadata: { orderId: i, durationMs: i % 1000, route: '/api/items/:id' },
  };
}

/** OpenTelemetry severity numbers and texts as unitrack maps its levels (DESIGN.md). */
export const SEVERITY_NUMBER: Record<BenchSeverity, number> = { info: 9, low: 11, medium: 13, high: 17 };
export const SEVERITY_TEXT: Record<BenchSeverity, string> = { info: 'INFO', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' };
/** The nearest pino level. */
export const PINO_LEVEL: Record<BenchSeverity, 'info' | 'warn' | 'error'> = { info: 'info', low: 'info', medium: 'warn', high: 'error' };
/** The nearest Sentry level. */
export const SENTRY_LEVEL: Record<BenchSeverity, 'info' | 'warning' | 'error'> = {
  info: 'info',
  low: 'info',
  medium: 'warning',
  high: 'error',
};

/** The attributes track() puts on the record for this event (what a bare OpenTelemetry user would emit). */
export function otelAttributes(e: BenchEvent): Record<string, string | number> {
  return {
    orderId: e.metadata.orderId,
    durationMs: e.metadata.durationMs,
    route: e.metadata.route,
    'unitrack.category': e.category,
    'unitrack.component': e.component,
    'user.id': e.user,
  };
}
