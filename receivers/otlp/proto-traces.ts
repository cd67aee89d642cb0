import type { AnyValue, HrTime, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ProtoReader } from '../../model/wire/proto-reader.ts';
import { type DecodedBatch, nowHr, spanContextFrom } from './decoded-batch.ts';
import { readKeyValue } from './proto-common.ts';
import { decodeExportRequest } from './proto-envelope.ts';
import { isTrackedSpanEvent, spanEventRecord } from './span-event-record.ts';

// Tags as one number (field * 8 + wire type), as `rawTag` reads them.
const LEN_1 = 10; // field 1, length-delimited
const LEN_2 = 18;
const LEN_3 = 26;
const FIXED64_1 = 9; // field 1, fixed64
const SPAN_EVENTS = 90; // Span.events = 11, length-delimited
const SPAN_FLAGS = 133; // Span.flags = 16, fixed32

/** Decodes an `ExportTraceServiceRequest`: span events that carry exceptions become records. */
export function decodeTracesProto(buf: Uint8Array): DecodedBatch {
  return decodeExportRequest(buf, readSpan, false);
}

function readSpan(r: ProtoReader, resource: Resource, scope: InstrumentationScope, out: DecodedBatch): void {
  // The flags (field 16) come after the events (field 11): the IDs and flags first, then the events.
  let traceId = '';
  let spanId = '';
  let flags = 1;
  let first = -1;
  while (!r.done) {
    const at = r.pos;
    const t = r.rawTag();
    switch (t) {
      case LEN_1:
        traceId = r.hex();
        break;
      case LEN_2:
        spanId = r.hex();
        break;
      case SPAN_EVENTS:
        if (first < 0) first = at;
        r.skip(2);
        break;
      case SPAN_FLAGS:
        flags = r.fixed32();
        break;
      default:
        r.skip(t & 7);
    }
  }
  if (first < 0) return;
  const spanContext = spanContextFrom(traceId, spanId, flags);
  if (spanContext === false) {
    out.rejected++;
    out.errorMessage = 'spans with a trace_id other than 16 bytes or a span_id other than 8 bytes were rejected';
    return;
  }
  r.pos = first;
  while (!r.done) {
    const t = r.rawTag();
    if (t === SPAN_EVENTS) {
      const outer = r.enter();
      readEvent(r, spanContext, resource, scope, out);
      r.leave(outer);
    } else r.skip(t & 7);
  }
}

function readEvent(
  r: ProtoReader,
  spanContext: SpanContext | undefined,
  resource: Resource,
  scope: InstrumentationScope,
  out: DecodedBatch,
): void {
  let time: HrTime | undefined;
  let name = '';
  const attributes: Record<string, AnyValue> = {};
  while (!r.done) {
    const t = r.rawTag();
    if (t === FIXED64_1) time = r.hrTime();
    else if (t === LEN_2) name = r.string();
    else if (t === LEN_3) {
      const outer = r.enter();
      readKeyValue(r, attributes, 0);
      r.leave(outer);
    } else r.skip(t & 7);
  }
  if (isTrackedSpanEvent(name, attributes)) {
    out.records.push(spanEventRecord(name, time ?? nowHr(), attributes, spanContext, resource, scope));
  }
}
