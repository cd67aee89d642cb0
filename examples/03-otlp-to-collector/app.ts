// An application that runs no pipeline of its own: it sends its events as OTLP/HTTP to a unitrack
// collector, which redacts, groups, samples, rate-limits, routes and shows them on its dashboard.
//
//   npm start                                          # the collector, in another terminal
//   npx node examples/03-otlp-to-collector/app.ts      # this application
//
// OTEL_EXPORTER_OTLP_ENDPOINT points it at another collector (default http://127.0.0.1:4318), as
// for any OpenTelemetry SDK.
import { trace } from '@opentelemetry/api';
import { initTracking, sdkTelemetry, shutdownTracking, track, trackError, trackMcpEvent } from 'unitrack';

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318';
initTracking({ serviceName: 'shop-importer', serviceVersion: '1.4.0', otlp: { endpoint } });
const telemetry = sdkTelemetry();

const tracer = trace.getTracer('shop-importer');
const traceId = tracer.startActiveSpan('nightly-import', (span) => {
  track({ event: 'import_started', category: 'task', component: 'importer', message: 'Nightly import started' });

  // 20 failures that differ only in their numbers: the collector's fingerprint processor groups
  // them into one issue with count 20.
  for (let row = 1; row <= 20; row++) {
    trackError('import_row_failed', new TypeError(`row ${row * 37}: price ${row * 3}.99 is not a number`), {
      component: 'importer',
      metadata: { row: row * 37, file: 'products.csv' },
    });
  }

  trackMcpEvent('mcp_server_failed', 'Pricing MCP server failed to respond', { severity: 'critical', component: 'mcp_client' });
  span.end();
  return span.spanContext().traceId;
});

// Info events are many and cheap. Each product here is its own trace, as each message of a queue
// worker would be. The collector's sampler decides per trace (a trace is kept or dropped whole,
// in every service) and the default config keeps about 1 info trace in 10.
for (let i = 0; i < 50; i++) {
  tracer.startActiveSpan('import-product', (span) => {
    track({ event: 'product_imported', category: 'task', component: 'importer', message: `Product ${i} imported` });
    span.end();
  });
}

// Sends what is still queued (logs and spans) and stops; then says what the collector took.
await shutdownTracking();
const sent = telemetry?.value('unitrack_exporter_sent_total', { exporter: 'otlp' }) ?? 0;
const failed = telemetry?.value('unitrack_exporter_failed_total', { exporter: 'otlp' }) ?? 0;
console.log(`sent ${sent} events to ${endpoint} (trace ${traceId})${failed ? `, ${failed} could not be delivered` : ''}`);
process.exitCode = failed ? 1 : 0;
