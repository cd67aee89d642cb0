import type { AnyValue, HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { ProtoReader } from '../../model/wire/proto-reader.ts';
import { type DecodedBatch, nowHr, spanContextFrom } from './decoded-batch.ts';
import { readKeyValue, readResource, readScope } from './proto-common.ts';
import { isTrackedSpanEvent, spanEventRecord } from './span-event-record.ts';

/** Decodes an `ExportTraceServiceRequest`: span events that carry exceptions become records. */
export function decodeTracesProto(buf: Uint8Array): DecodedBatch {
  const out: DecodedBatch = { records: [], rejected: 0 };
  const r = new ProtoReader(buf);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) readResourceSpans(r.sub(), out);
    else r.skip(wire);
  }
  return out;
}

function readResourceSpans(r: ProtoReader, out: DecodedBatch): void {
  let resource: Resource | undefined;
  const scopes: [number, number][] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) resource = resourceFromAttributes(readResource(r.sub()));
    else if (field === 2 && wire === 2) scopes.push(r.span());
    else r.skip(wire);
  }
  resource ??= resourceFromAttributes({});
  for (const [start, end] of scopes) {
    const s = new ProtoReader(r.buf, start, end);
    let scope: InstrumentationScope = { name: '' };
    const spans: [number, number][] = [];
    while (!s.done) {
      const { field, wire } = s.tag();
      if (field === 1 && wire === 2) scope = readScope(s.sub());
      else if (field === 2 && wire === 2) spans.push(s.span());
      else s.skip(wire);
    }
    for (const [a, b] of spans) readSpan(new ProtoReader(r.buf, a, b), resource, scope, out);
  }
}

function readSpan(r: ProtoReader, resource: Resource, scope: InstrumentationScope, out: DecodedBatch): void {
  let traceId = '';
  let spanId = '';
  let flags = 1;
  const events: [number, number][] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) traceId = r.hex();
    else if (field === 2 && wire === 2) spanId = r.hex();
    else if (field === 11 && wire === 2) events.push(r.span());
    else if (field === 16 && wire === 5) flags = r.fixed32();
    else r.skip(wire);
  }
  if (events.length === 0) return;
  const spanContext = spanContextFrom(traceId, spanId, flags);
  if (spanContext === false) {
    out.rejected++;
    out.errorMessage = 'spans with a trace_id other than 16 bytes or a span_id other than 8 bytes were rejected';
    return;
  }
  for (const [a, b] of events) {
    const e = new ProtoReader(r.buf, a, b);
    let time: HrTime | undefined;
    let name = '';
    const attributes: Record<string, AnyValue> = {};
    while (!e.done) {
      const { field, wire } = e.tag();
      if (field === 1 && wire === 1) time = e.hrTime();
      else if (field === 2 && wire === 2) name = e.string();
      else if (field === 3 && wire === 2) readKeyValue(e.sub(), attributes, 0);
      else e.skip(wire);
    }
    if (isTrackedSpanEvent(name, attributes)) {
      out.records.push(spanEventRecord(name, time ?? nowHr(), attributes, spanContext, resource, scope));
    }
  }
}
