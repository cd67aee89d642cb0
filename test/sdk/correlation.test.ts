import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTracking, initTracking, shutdownTracking, track, withCorrelation } from '../../sdk/index.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const file = join(tempDir(), 'events.jsonl');

beforeAll(() => {
  initTracking({
    serviceName: 'two-services',
    handleSignals: false,
    config: {
      receivers: { otlp: {} },
      exporters: { jsonfile: { path: file } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
    },
  });
});
afterAll(() => shutdownTracking());

/** Service B: continues the caller's trace and baggage from the request headers. */
function startServiceB() {
  const server = createServer((req, res) => {
    const incoming = propagation.extract(context.active(), req.headers);
    context.with(incoming, () => {
      trace.getTracer('service-b').startActiveSpan('handle', (span) => {
        track({ event: 'b_handled', component: 'service-b', message: 'B handled the call' });
        span.end();
        res.end('ok');
      });
    });
  });
  server.listen(0, '127.0.0.1');
  return server;
}

function get(port: number, headers: IncomingHttpHeaders): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('correlation across two HTTP services', () => {
  it('carries the trace ID and the correlation ID from A to B', async () => {
    const b = startServiceB();
    await once(b, 'listening');
    const port = (b.address() as AddressInfo).port;
    let traceId = '';
    await withCorrelation({ correlationId: 'order-1234', requestId: 'req-9' }, () =>
      trace.getTracer('service-a').startActiveSpan('call-b', async (span) => {
        traceId = span.spanContext().traceId;
        track({ event: 'a_calling', component: 'service-a', message: 'A calls B' });
        const headers: Record<string, string> = {};
        propagation.inject(context.active(), headers);
        expect(headers.traceparent).toContain(traceId);
        expect(headers.baggage).toContain('order-1234');
        await get(port, headers);
        span.end();
      }),
    );
    b.close();
    await flushTracking();
    const lines = readJsonLines(file);
    const a = lines.find((l) => l.event === 'a_calling');
    const fromB = lines.find((l) => l.event === 'b_handled');
    expect(a).toMatchObject({ trace_id: traceId, correlation_id: 'order-1234', request_id: 'req-9' });
    expect(fromB).toMatchObject({ trace_id: traceId, correlation_id: 'order-1234', request_id: 'req-9', component: 'service-b' });
    expect(fromB?.span_id).not.toBe(a?.span_id);
  });

  it('generates a correlation ID when none is given and keeps an outer one', () => {
    let outer = '';
    let inner = '';
    withCorrelation({}, () => {
      outer = propagation.getBaggage(context.active())?.getEntry('unitrack.correlation_id')?.value ?? '';
      withCorrelation({ requestId: 'r2' }, () => {
        inner = propagation.getBaggage(context.active())?.getEntry('unitrack.correlation_id')?.value ?? '';
      });
    });
    expect(outer).toMatch(/^[0-9a-f-]{36}$/);
    expect(inner).toBe(outer);
  });
});
