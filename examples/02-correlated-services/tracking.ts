// What both services share: tracking set up for one service, writing to its own JSON lines file,
// and the two helpers an application without HTTP instrumentation needs to carry trace context
// and baggage (where the correlation ID rides) across a request.
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { context, propagation, type Span, SpanKind, trace } from '@opentelemetry/api';
import { initTracking } from 'unitrack';

export function setUpTracking(serviceName: string): void {
  const dataDir = process.env.UNITRACK_DATA_DIR ?? './data';
  initTracking({
    serviceName,
    // The config as an object: the same shape as the YAML files.
    config: {
      receivers: { otlp: {} },
      exporters: { jsonfile: { path: join(dataDir, `${serviceName}.jsonl`) } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
    },
  });
}

const tracer = trace.getTracer('correlated-services');

/** Runs `fn` in a server span that continues the caller's trace and baggage (traceparent, baggage headers). */
export function serverSpan<T>(name: string, headers: IncomingHttpHeaders, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), headers);
  return tracer.startActiveSpan(name, { kind: SpanKind.SERVER }, parent, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}

/** fetch() that sends the active trace context and baggage along (traceparent, baggage headers). */
export function tracedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
}

/** Prints the listening address as the first line, so a parent process can find the port. */
export function announce(name: string, address: AddressInfo | string | null): void {
  const port = typeof address === 'object' && address ? address.port : address;
  process.stdout.write(`${name} listening on http://127.0.0.1:${port}\n`);
}
