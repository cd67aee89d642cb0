// unitrack quickstart: a handful of events from an embedded pipeline, then where they went.
//
//   node examples/01-embedded-quickstart/app.ts
//
// Events go to $UNITRACK_DATA_DIR (default ./data): events.jsonl and blog/YYYY-MM-DD.md.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import {
  initTracking,
  shutdownTracking,
  track,
  trackDashboardEvent,
  trackError,
  trackHealthEvent,
  trackMcpEvent,
  withCorrelation,
} from 'unitrack';

const dataDir = process.env.UNITRACK_DATA_DIR ?? './data';
const eventsFile = join(dataDir, 'events.jsonl');
// events.jsonl is appended to across runs: remember where this run starts.
const startOffset = existsSync(eventsFile) ? statSync(eventsFile).size : 0;

initTracking({
  serviceName: 'quickstart',
  config: join(import.meta.dirname, 'unitrack.yaml'),
});

// A plain event: severity, category, a message and metadata that becomes attributes.
track({
  event: 'app_started',
  severity: 'info',
  category: 'system',
  message: 'Quickstart started',
  metadata: { node: process.version, pid: process.pid },
});

// Everything inside withCorrelation carries the same correlation ID, here and in any service it
// calls over HTTP. Trace and span IDs come from the active span: initTracking() registered a
// tracer provider, so a span started here (or by any OpenTelemetry instrumentation) gives them.
const tracer = trace.getTracer('quickstart');
withCorrelation({ correlationId: 'order-1234', requestId: 'req-42' }, () =>
  tracer.startActiveSpan('checkout', (span) => {
    track({ event: 'order_placed', category: 'task', message: 'Order placed', metadata: { items: 3, total_eur: 59.9 }, user: 'user-7' });

    // An error with its cause chain: the stack trace in the record keeps every "Caused by:".
    const cause = new Error('connect ECONNREFUSED 10.0.0.12:5432');
    const error = new Error('could not charge card', { cause });
    trackError('payment_failed', error, { component: 'billing', user: 'user-7', metadata: { provider: 'acme-pay' } });
    span.end();
  }),
);

// The helpers set the category for you.
trackHealthEvent('db_latency_high', 'Database p99 latency above 500 ms', { severity: 'medium', metadata: { p99_ms: 730 } });
trackMcpEvent('mcp_server_failed', 'Memory server failed to respond', { severity: 'high', component: 'mcp_client' });
trackDashboardEvent('dashboard_opened', 'Dashboard opened', { user: 'user-7' });

// Drains every queue: nothing accepted is lost.
await shutdownTracking();

console.log(`\n== ${eventsFile} (this run) ==`);
const lines = readFileSync(eventsFile).subarray(startOffset).toString('utf8').trim().split('\n');
for (const line of lines) console.log(line);

const blogDir = join(dataDir, 'blog');
for (const day of readdirSync(blogDir).filter((f) => f.endsWith('.md'))) {
  console.log(`\n== ${join(blogDir, day)} ==`);
  console.log(readFileSync(join(blogDir, day), 'utf8').trim());
}
