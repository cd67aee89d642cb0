import type { AnyValue, Attributes, HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { setOwn } from '../../model/own-key.ts';
import { PipelineRecord } from '../../model/record.ts';
import { type DecodedBatch, MAX_VALUE_DEPTH, nowHr, spanContextFrom } from './decoded-batch.ts';
import { isTrackedSpanEvent, spanEventRecord } from './span-event-record.ts';

/** Malformed OTLP JSON: answered with 400 and this message. */
export class OtlpJsonError extends Error {
  override name = 'OtlpJsonError';
}

type Obj = Record<string, unknown>;

/** A field by its lowerCamelCase JSON name, or by its proto name (both are valid OTLP JSON). */
function get(o: Obj, camel: string, snake?: string): unknown {
  const v = o[camel];
  return v !== undefined || !snake ? v : o[snake];
}

function list(o: Obj, camel: string, snake?: string): Obj[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpJsonError(`${camel} must be an array`);
  return v as Obj[];
}

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OtlpJsonError(`${what} must be an object`);
  return v as Obj;
}

function hrTimeOf(v: unknown): HrTime | undefined {
  if (v === undefined || v === null || v === '' || v === '0' || v === 0) return undefined;
  let ns: bigint;
  try {
    ns = BigInt(typeof v === 'number' ? Math.trunc(v) : String(v));
  } catch {
    throw new OtlpJsonError(`"${String(v).slice(0, 40)}" is not a nanosecond timestamp`);
  }
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

function int(v: unknown, what: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new OtlpJsonError(`${what} must be an integer`);
  return n;
}

/** An int64 AnyValue: a number when safe, else the exact decimal string (as the proto decoder does). */
function int64(v: unknown): number | string {
  const n = int(v, 'intValue');
  if (Number.isSafeInteger(n) || typeof v !== 'string' || !/^-?\d{1,20}$/.test(v.trim())) return n;
  return BigInt(v.trim()).toString();
}

function hexId(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || !/^[0-9a-fA-F]*$/.test(v)) throw new OtlpJsonError('trace and span IDs must be hex strings');
  return v.toLowerCase();
}

function attributesOf(items: Obj[], depth: number): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  for (const kv of items) {
    const o = obj(kv, 'attribute');
    if (typeof o.key !== 'string') throw new OtlpJsonError('attribute key must be a string');
    setOwn(out, o.key, anyValue(o.value, depth + 1));
  }
  return out;
}

function anyValue(v: unknown, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpJsonError(`values nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (v === undefined || v === null) return null;
  const o = obj(v, 'AnyValue');
  if ('stringValue' in o || 'string_value' in o) return String(get(o, 'stringValue', 'string_value'));
  if ('boolValue' in o || 'bool_value' in o) return Boolean(get(o, 'boolValue', 'bool_value'));
  if ('intValue' in o || 'int_value' in o) return int64(get(o, 'intValue', 'int_value'));
  if ('doubleValue' in o || 'double_value' in o) return Number(get(o, 'doubleValue', 'double_value'));
  if ('bytesValue' in o || 'bytes_value' in o) return new Uint8Array(Buffer.from(String(get(o, 'bytesValue', 'bytes_value')), 'base64'));
  const arr = get(o, 'arrayValue', 'array_value');
  if (arr !== undefined) return list(obj(arr, 'arrayValue'), 'values').map((x) => anyValue(x, depth + 1));
  const kv = get(o, 'kvlistValue', 'kvlist_value');
  if (kv !== undefined) return attributesOf(list(obj(kv, 'kvlistValue'), 'values'), depth + 1);
  return null;
}

function resourceOf(rs: Obj): Resource {
  const r = get(rs, 'resource');
  return resourceFromAttributes(r ? (attributesOf(list(obj(r, 'resource'), 'attributes'), 0) as Attributes) : {});
}

function scopeOf(ss: Obj): InstrumentationScope {
  const s = get(ss, 'scope');
  if (!s) return { name: '' };
  const o = obj(s, 'scope');
  return { name: String(o.name ?? ''), version: o.version ? String(o.version) : undefined };
}

function parse(body: Uint8Array): Obj {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    // SyntaxError, or RangeError for nesting deeper than the parser's stack.
    throw new OtlpJsonError(`invalid JSON: ${(error as Error).message}`);
  }
  return obj(parsed, 'request');
}

/** Decodes an `ExportLogsServiceRequest` in OTLP JSON. */
export function decodeLogsJson(body: Uint8Array): DecodedBatch {
  return guarded(() => decodeLogs(body));
}

/** Decodes an `ExportTraceServiceRequest` in OTLP JSON: span events with exceptions become records. */
export function decodeTracesJson(body: Uint8Array): DecodedBatch {
  return guarded(() => decodeTraces(body));
}

/** Whatever goes wrong on malformed input is an OtlpJsonError (a 400), never a crash. */
function guarded(decode: () => DecodedBatch): DecodedBatch {
  try {
    return decode();
  } catch (error) {
    if (error instanceof OtlpJsonError) throw error;
    throw new OtlpJsonError(`malformed request: ${(error as Error).message}`);
  }
}

function decodeLogs(body: Uint8Array): DecodedBatch {
  const out: DecodedBatch = { records: [], rejected: 0 };
  for (const rl of list(parse(body), 'resourceLogs', 'resource_logs')) {
    const resource = resourceOf(obj(rl, 'resourceLogs'));
    for (const sl of list(rl, 'scopeLogs', 'scope_logs')) {
      const scope = scopeOf(obj(sl, 'scopeLogs'));
      for (const lr of list(sl, 'logRecords', 'log_records')) {
        const l = obj(lr, 'logRecord');
        const spanContext = spanContextFrom(
          hexId(get(l, 'traceId', 'trace_id')),
          hexId(get(l, 'spanId', 'span_id')),
          int(l.flags ?? 0, 'flags'),
        );
        if (spanContext === false) {
          out.rejected++;
          out.errorMessage = 'log records with a trace_id other than 16 bytes or a span_id other than 8 bytes were rejected';
          continue;
        }
        const observed = hrTimeOf(get(l, 'observedTimeUnixNano', 'observed_time_unix_nano'));
        const time = hrTimeOf(get(l, 'timeUnixNano', 'time_unix_nano')) ?? observed ?? nowHr();
        const severity = get(l, 'severityNumber', 'severity_number');
        const text = get(l, 'severityText', 'severity_text');
        const eventName = get(l, 'eventName', 'event_name');
        const body = get(l, 'body');
        out.records.push(
          new PipelineRecord({
            hrTime: time,
            hrTimeObserved: observed ?? time,
            spanContext,
            resource,
            instrumentationScope: scope,
            attributes: attributesOf(list(l, 'attributes'), 0) as Attributes,
            severityNumber: severity === undefined ? undefined : int(severity, 'severityNumber') || undefined,
            severityText: typeof text === 'string' && text ? text : undefined,
            body: body === undefined ? undefined : anyValue(body, 0),
            eventName: typeof eventName === 'string' && eventName ? eventName : undefined,
            droppedAttributesCount: int(get(l, 'droppedAttributesCount', 'dropped_attributes_count') ?? 0, 'droppedAttributesCount'),
          }),
        );
      }
    }
  }
  return out;
}

function decodeTraces(body: Uint8Array): DecodedBatch {
  const out: DecodedBatch = { records: [], rejected: 0 };
  for (const rs of list(parse(body), 'resourceSpans', 'resource_spans')) {
    const resource = resourceOf(obj(rs, 'resourceSpans'));
    for (const ss of list(rs, 'scopeSpans', 'scope_spans')) {
      const scope = scopeOf(obj(ss, 'scopeSpans'));
      for (const sp of list(ss, 'spans')) {
        const s = obj(sp, 'span');
        const events = list(s, 'events');
        if (events.length === 0) continue;
        const spanContext = spanContextFrom(
          hexId(get(s, 'traceId', 'trace_id')),
          hexId(get(s, 'spanId', 'span_id')),
          int(s.flags ?? 1, 'flags'),
        );
        if (spanContext === false) {
          out.rejected++;
          out.errorMessage = 'spans with a trace_id other than 16 bytes or a span_id other than 8 bytes were rejected';
          continue;
        }
        for (const ev of events) {
          const e = obj(ev, 'event');
          const name = String(e.name ?? '');
          const attributes = attributesOf(list(e, 'attributes'), 0);
          if (!isTrackedSpanEvent(name, attributes)) continue;
          out.records.push(
            spanEventRecord(name, hrTimeOf(get(e, 'timeUnixNano', 'time_unix_nano')) ?? nowHr(), attributes, spanContext, resource, scope),
          );
        }
      }
    }
  }
  return out;
}
