import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import type { PipelineRecord } from '../../model/record.ts';
import { ProtoWriter } from '../../model/wire/proto-writer.ts';
import type { DecodedBatch } from '../../receivers/otlp/decoded-batch.ts';
import { decodeTracesJson } from '../../receivers/otlp/json-decode.ts';
import { decodeTracesProto } from '../../receivers/otlp/proto-traces.ts';

// The protobuf traces decoder reads in place, in several passes (the resource, scope and flags may
// come after what they apply to): it must agree with the JSON decoder, which reads a parsed tree.

function spans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const providers = ['alpha', 'beta'].map(
    (name) =>
      new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': name, 'service.version': '2.1.0', pid: 42 }),
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
      }),
  );
  for (let i = 0; i < 12; i++) {
    const span = providers[i % 2].getTracer(`lib-${i % 3}`, '1.0.0').startSpan(`op ${i}`, { attributes: { i } });
    if (i % 3 === 0) span.recordException(new RangeError(`bad ${i}`));
    if (i % 4 === 0) span.addEvent('unitrack.note', { 'unitrack.message': `note ${i}`, nested: ['a', 1] });
    span.addEvent('cache.miss', { key: `k${i}` }); // not tracked: no record
    if (i === 5) span.addEvent('exception', { 'unitrack.severity': 'high' }); // unitrack's own: skipped
    span.end();
  }
  return exporter.getFinishedSpans();
}

const view = (out: DecodedBatch) => ({
  rejected: out.rejected,
  records: out.records.map((r: PipelineRecord) => ({
    time: r.hrTime,
    spanContext: r.spanContext,
    resource: r.resource.attributes,
    scope: { name: r.instrumentationScope.name, version: r.instrumentationScope.version },
    attributes: r.attributes,
    severity: [r.severityNumber, r.severityText],
    body: r.body,
    event: r.eventName,
  })),
});

const kv = (key: string, value: string) => new ProtoWriter().string(1, key).message(2, new ProtoWriter().string(1, value));
const exceptionEvent = (message: string) => new ProtoWriter().string(2, 'exception').message(3, kv('exception.message', message));
const span = (traceIdBytes: number, message: string) =>
  new ProtoWriter()
    .bytes(1, new Uint8Array(traceIdBytes).fill(0xab))
    .bytes(2, new Uint8Array(8).fill(0xcd))
    .message(11, exceptionEvent(message));

describe('OTLP traces decoding (protobuf)', () => {
  it('gives the records the JSON decoder gives for what the OpenTelemetry JS SDK sends', () => {
    const finished = spans();
    const proto = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(finished) as Uint8Array);
    const json = decodeTracesJson(JsonTraceSerializer.serializeRequest(finished) as Uint8Array);
    expect(proto.records.map((r) => r.eventName).sort()).toEqual([...Array(4).fill('exception'), ...Array(3).fill('unitrack.note')]);
    expect(view(proto)).toEqual(view(json));
    const boom = proto.records.find((r) => r.body === 'bad 3');
    expect(boom).toMatchObject({ severityNumber: 17, severityText: 'ERROR', instrumentationScope: { name: 'lib-0', version: '1.0.0' } });
    expect(boom?.resource.attributes['service.name']).toBe('beta');
    expect(boom?.attributes['exception.type']).toBe('RangeError');
  });

  it('applies a resource and a scope that come after their spans, and rejects a span with a malformed trace ID', () => {
    const scopeSpans = new ProtoWriter()
      .message(2, span(16, 'first'))
      .message(2, span(15, 'malformed'))
      .message(1, new ProtoWriter().string(1, 'late-scope').string(2, '3.0'))
      .message(2, span(16, 'second'));
    const resourceSpans = new ProtoWriter()
      .message(2, scopeSpans)
      .message(1, new ProtoWriter().message(1, kv('service.name', 'late-service')));
    const out = decodeTracesProto(new ProtoWriter().message(1, resourceSpans).finish());
    expect(out.records.map((r) => r.body)).toEqual(['first', 'second']);
    for (const r of out.records) {
      expect(r.instrumentationScope).toEqual({ name: 'late-scope', version: '3.0' });
      expect(r.resource.attributes['service.name']).toBe('late-service');
      expect(r.spanContext).toMatchObject({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1 });
    }
    expect(out.rejected).toBe(1);
    expect(out.errorMessage).toMatch(/trace_id other than 16 bytes/);
  });
});
