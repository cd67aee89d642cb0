import type { AnyValue, Attributes, HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { PipelineRecord } from '../../model/record.ts';
import { ProtoError, type ProtoReader } from '../../model/wire/proto-reader.ts';
import { type DecodedBatch, nowHr, spanContextFrom } from './decoded-batch.ts';
import { readAnyValue, readKeyValue } from './proto-common.ts';
import { decodeExportRequest } from './proto-envelope.ts';

/** Decodes an `ExportLogsServiceRequest` (OTLP protobuf) straight into pipeline records. */
export function decodeLogsProto(buf: Uint8Array): DecodedBatch {
  return decodeExportRequest(buf, readLogRecord, true);
}

const ZERO: HrTime = [0, 0];

function readLogRecord(r: ProtoReader, resource: Resource, scope: InstrumentationScope, out: DecodedBatch): void {
  let time = ZERO;
  let observed = ZERO;
  let severityNumber: number | undefined;
  let severityText: string | undefined;
  let body: AnyValue | undefined;
  const attributes: Record<string, AnyValue> = {};
  let dropped = 0;
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName: string | undefined;
  while (!r.done) {
    const t = r.rawTag();
    const wire = t & 7;
    switch (Math.floor(t / 8)) {
      case 1:
        if (wire !== 1) throw new ProtoError('time_unix_nano must be fixed64');
        time = r.hrTime();
        break;
      case 11:
        if (wire !== 1) throw new ProtoError('observed_time_unix_nano must be fixed64');
        observed = r.hrTime();
        break;
      case 2:
        severityNumber = r.varint();
        break;
      case 3:
        severityText = r.string();
        break;
      case 5: {
        const outer = r.enter();
        body = readAnyValue(r, 0);
        r.leave(outer);
        break;
      }
      case 6: {
        const outer = r.enter();
        readKeyValue(r, attributes, 0);
        r.leave(outer);
        break;
      }
      case 7:
        dropped = r.varint();
        break;
      case 8:
        flags = wire === 5 ? r.fixed32() : r.varint();
        break;
      case 9:
        traceId = r.hex();
        break;
      case 10:
        spanId = r.hex();
        break;
      case 12:
        eventName = r.string() || undefined;
        break;
      default:
        r.skip(wire);
    }
  }
  const spanContext = spanContextFrom(traceId, spanId, flags);
  if (spanContext === false) {
    out.rejected++;
    out.errorMessage = 'log records with a trace_id other than 16 bytes or a span_id other than 8 bytes were rejected';
    return;
  }
  const hrTime = time === ZERO ? (observed === ZERO ? nowHr() : observed) : time;
  // One array for both when they are equal (SDKs often send the same instant twice): less to hold.
  if (observed !== ZERO && observed[0] === hrTime[0] && observed[1] === hrTime[1]) observed = hrTime;
  out.records.push(
    PipelineRecord.adopting({
      hrTime,
      hrTimeObserved: observed === ZERO ? hrTime : observed,
      spanContext,
      resource,
      instrumentationScope: scope,
      attributes: attributes as Attributes,
      severityNumber: severityNumber || undefined,
      severityText: severityText || undefined,
      body,
      eventName,
      droppedAttributesCount: dropped,
    }),
  );
}
