// A Node service for the otelcol gateway interop test, with unitrack's SDK in OTLP mode.
//   ROLE=b: listens on 127.0.0.1 (port 0), prints `{"port":N}`, and per request continues the
//           caller's trace and baggage (W3C headers), tracks one record per severity, answers
//           with its trace and correlation IDs.
//   ROLE=a: inside withCorrelation and a span, tracks one record per severity, calls B with the
//           W3C headers, prints one JSON line with what both sides saw, flushes and exits.
// Each record carries `rid` (its ID in the test) as an attribute.
import { createServer } from 'node:http';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  currentCorrelation,
  flushTracking,
  initTracking,
  shutdownTracking,
  type TrackEvent,
  track,
  withCorrelation,
} from '../../../sdk/index.ts';

const role = process.env.ROLE;
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '';
initTracking({ serviceName: `interop-${role}`, otlp: { endpoint }, handleSignals: false });
const tracer = trace.getTracer('otelcol-interop');

const severities = ['debug', 'info', 'low', 'medium', 'high', 'critical'] as const;

function trackAll(service: string): string[] {
  const rids: string[] = [];
  for (const severity of severities) {
    const rid = `${service}-${severity}`;
    rids.push(rid);
    track({
      event: `interop_${severity}`,
      severity,
      category: 'system',
      component: service,
      message: `${severity} from ${service}`,
      metadata: { rid },
    });
  }
  // An alert raised upstream (as an embedded fingerprint processor would mark it): low severity, but notified.
  const rid = `${service}-alert`;
  rids.push(rid);
  const alert: TrackEvent = {
    event: 'interop_alert',
    severity: 'low',
    category: 'system',
    component: service,
    message: `alert from ${service}`,
    metadata: { rid, 'unitrack.alert.reason': 'threshold' },
  };
  track(alert);
  return rids;
}

function ids() {
  const span = trace.getActiveSpan()?.spanContext();
  const c = currentCorrelation();
  return { trace_id: span?.traceId, correlation_id: c?.correlationId, request_id: c?.requestId };
}

if (role === 'b') {
  const server = createServer((req, res) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    context.with(parent, () =>
      tracer.startActiveSpan('b.handle', (span) => {
        const rids = trackAll('b');
        const body = JSON.stringify({ ...ids(), rids });
        span.end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      }),
    );
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    void shutdownTracking().then(() => process.exit(0));
  });
} else {
  const target = process.env.B_URL ?? '';
  const result = await withCorrelation({ correlationId: process.env.CORRELATION_ID, requestId: 'req-interop-1' }, () =>
    tracer.startActiveSpan('a.call', async (span) => {
      const rids = trackAll('a');
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      const res = await fetch(target, { headers });
      const b = (await res.json()) as { trace_id?: string; correlation_id?: string; request_id?: string; rids: string[] };
      const a = { ...ids(), rids };
      span.end();
      return { a, b };
    }),
  );
  await flushTracking();
  await shutdownTracking();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
