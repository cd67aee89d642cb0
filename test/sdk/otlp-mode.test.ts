import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { flushTracking, initTracking, shutdownTracking, track, withCorrelation } from '../../sdk/index.ts';

/** A bare OTLP/HTTP endpoint that keeps what it was sent. */
const requests: { path: string; type: string; body: Buffer }[] = [];
const server = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  requests.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
  res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(async () => {
  await shutdownTracking();
  server.close();
});

describe('initTracking({ otlp })', () => {
  it('sends log records as OTLP protobuf with the trace ID and correlation ID', async () => {
    initTracking({ serviceName: 'otlp-mode', otlp: { endpoint }, handleSignals: false });
    let traceId = '';
    withCorrelation({ correlationId: 'corr-otlp' }, () =>
      trace.getTracer('t').startActiveSpan('op', (span) => {
        traceId = span.spanContext().traceId;
        track({ event: 'sent_over_otlp', severity: 'high', message: 'over the wire' });
        span.end();
      }),
    );
    await flushTracking();
    const logs = requests.filter((r) => r.path === '/v1/logs');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0].type).toBe('application/x-protobuf');
    const body = Buffer.concat(logs.map((l) => l.body));
    // Protobuf keeps strings and IDs as raw bytes: look for them in the encoded request.
    expect(body.includes(Buffer.from('sent_over_otlp'))).toBe(true);
    expect(body.includes(Buffer.from('corr-otlp'))).toBe(true);
    expect(body.includes(Buffer.from('otlp-mode'))).toBe(true);
    expect(body.includes(Buffer.from(traceId, 'hex'))).toBe(true);
    // The span itself goes to /v1/traces.
    expect(requests.some((r) => r.path === '/v1/traces')).toBe(true);
  });
});
