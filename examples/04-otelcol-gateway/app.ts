// An application that sends OTLP to an OpenTelemetry Collector gateway. It knows nothing about
// routing: the gateway's YAML decides that high and critical events also go to unitrack, and that
// everything goes to the archive.
//
//   npx node examples/04-otelcol-gateway/app.ts
//
// OTEL_EXPORTER_OTLP_ENDPOINT says where the gateway is (default http://127.0.0.1:4318).
import { trace } from '@opentelemetry/api';
import { initTracking, sdkTelemetry, shutdownTracking, track, trackError, trackHealthEvent } from 'unitrack';

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318';
initTracking({ serviceName: 'payments', otlp: { endpoint } });
const telemetry = sdkTelemetry();

const tracer = trace.getTracer('payments');
const traceId = tracer.startActiveSpan('settle-batch', (span) => {
  // info and medium: the gateway sends these to the archive only
  for (const id of ['p-101', 'p-102', 'p-103']) {
    track({ event: 'payment_settled', category: 'task', component: 'settlement', message: `Payment ${id} settled`, metadata: { id } });
  }
  trackHealthEvent('queue_depth_high', 'Settlement queue above 1000 messages', { severity: 'medium', metadata: { depth: 1240 } });

  // high and critical: the gateway also sends these to unitrack, which groups, alerts and shows them
  trackError('payment_declined', new Error('card declined: insufficient funds'), { component: 'settlement', user: 'user-7' });
  trackError('ledger_unavailable', new Error('ledger database unreachable', { cause: new Error('connect ETIMEDOUT 10.0.3.4:5432') }), {
    severity: 'critical',
    component: 'ledger',
  });
  span.end();
  return span.spanContext().traceId;
});

await shutdownTracking(); // exports what is queued, then stops
const sent = telemetry?.value('unitrack_exporter_sent_total', { exporter: 'otlp' }) ?? 0;
const failed = telemetry?.value('unitrack_exporter_failed_total', { exporter: 'otlp' }) ?? 0;
console.log(`sent ${sent} events (4 below high, 2 high or critical) to ${endpoint} (trace ${traceId})`);
if (failed) console.error(`${failed} events could not be delivered to ${endpoint}`);
process.exitCode = failed ? 1 : 0;
