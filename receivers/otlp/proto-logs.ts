import type { AnyValue, Attributes, HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { setOwn } from '../../model/own-key.ts';
import { PipelineRecord } from '../../model/record.ts';
import { ProtoError, ProtoReader } from '../../model/wire/proto-reader.ts';
import { type DecodedBatch, MAX_VALUE_DEPTH, spanContextFrom } from './decoded-batch.ts';

/** Decodes an `ExportLogsServiceRequest` (OTLP protobuf) straight into pipeline records. */
export function decodeLogsProto(buf: Uint8Array): DecodedBatch {
  const out: DecodedBatch = { records: [], rejected: 0 };
  const r = new ProtoReader(buf);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) readResourceLogs(r.sub(), out);
    else r.skip(wire);
  }
  return out;
}

function readResourceLogs(r: ProtoReader, out: DecodedBatch): void {
  // Resource may follow scope logs on the wire: collect scope spans first, resolve them after.
  let resource: Resource | undefined;
  const scopes: [number, number][] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) resource = resourceFromAttributes(readResource(r.sub()));
    else if (field === 2 && wire === 2) scopes.push(r.span());
    else r.skip(wire);
  }
  resource ??= resourceFromAttributes({});
  for (const [start, end] of scopes) readScopeLogs(new ProtoReader(r.buf, start, end), resource, out);
}

export function readResource(r: ProtoReader): Attributes {
  const attrs: Record<string, AnyValue> = {};
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) readKeyValue(r.sub(), attrs, 0);
    else r.skip(wire);
  }
  return attrs as Attributes;
}

export function readScope(r: ProtoReader): InstrumentationScope {
  const scope: { name: string; version?: string } = { name: '' };
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) scope.name = r.string();
    else if (field === 2 && wire === 2) scope.version = r.string() || undefined;
    else r.skip(wire);
  }
  return scope;
}

function readScopeLogs(r: ProtoReader, resource: Resource, out: DecodedBatch): void {
  let scope: InstrumentationScope = { name: '' };
  let schemaUrl: string | undefined;
  const logs: [number, number][] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) scope = readScope(r.sub());
    else if (field === 2 && wire === 2) logs.push(r.span());
    else if (field === 3 && wire === 2) schemaUrl = r.string() || undefined;
    else r.skip(wire);
  }
  if (schemaUrl) scope = { ...scope, schemaUrl };
  for (const [start, end] of logs) readLogRecord(new ProtoReader(r.buf, start, end), resource, scope, out);
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

export function nowHr(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

/** Reads a KeyValue into `into`; `__proto__` and friends stay plain data keys. */
export function readKeyValue(r: ProtoReader, into: Record<string, AnyValue>, depth: number): void {
  let key = '';
  let value: AnyValue = null;
  while (!r.done) {
    const t = r.rawTag();
    if (t === 10)
      key = r.string(); // field 1, length-delimited
    else if (t === 18) {
      // field 2, length-delimited
      const outer = r.enter();
      value = readAnyValue(r, depth + 1);
      r.leave(outer);
    } else r.skip(t & 7);
  }
  setOwn(into, key, value);
}

export function readAnyValue(r: ProtoReader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new ProtoError(`values nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: AnyValue = null;
  while (!r.done) {
    const t = r.rawTag();
    const wire = t & 7;
    switch (Math.floor(t / 8)) {
      case 1:
        value = r.string();
        break;
      case 2:
        value = r.varint() !== 0;
        break;
      case 3:
        value = r.int64();
        break;
      case 4:
        value = r.double();
        break;
      case 5: {
        const items: AnyValue[] = [];
        const outer = r.enter();
        while (!r.done) {
          const t = r.rawTag();
          if (t === 10) {
            const inner = r.enter();
            items.push(readAnyValue(r, depth + 1));
            r.leave(inner);
          } else r.skip(t & 7);
        }
        r.leave(outer);
        value = items;
        break;
      }
      case 6: {
        const map: Record<string, AnyValue> = {};
        const outer = r.enter();
        while (!r.done) {
          const t = r.rawTag();
          if (t === 10) {
            const inner = r.enter();
            readKeyValue(r, map, depth + 1);
            r.leave(inner);
          } else r.skip(t & 7);
        }
        r.leave(outer);
        value = map;
        break;
      }
      case 7:
        value = r.bytes();
        break;
      default:
        r.skip(wire);
    }
  }
  return value;
}
