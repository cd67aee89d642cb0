import type { AnyValue, Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

type JsonValue = Record<string, unknown>;

function nanos(t: HrTime): string {
  return (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();
}

/**
 * An AnyValue in OTLP JSON (the protobuf JSON mapping): safe integers as decimal strings, other
 * numbers as doubles (non-finite ones as "NaN"/"Infinity"), bytes as base64.
 */
export function otlpValue(v: AnyValue | undefined): JsonValue {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return { intValue: String(v) };
    return { doubleValue: Number.isFinite(v) ? v : String(v) };
  }
  if (typeof v === 'bigint') return { intValue: String(v) };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(otlpValue) } };
  return { kvlistValue: { values: otlpAttributes(v as Attributes) } };
}

export function otlpAttributes(a: Attributes | Record<string, AnyValue> | undefined): JsonValue[] {
  const out: JsonValue[] = [];
  if (!a) return out;
  for (const key of Object.keys(a)) {
    const value = a[key];
    if (value !== undefined) out.push({ key, value: otlpValue(value as AnyValue) });
  }
  return out;
}

const INVALID_TRACE = /^0*$/;

function logRecord(r: ReadableLogRecord): JsonValue {
  const log: JsonValue = { timeUnixNano: nanos(r.hrTime), observedTimeUnixNano: nanos(r.hrTimeObserved ?? r.hrTime) };
  if (r.severityNumber) log.severityNumber = r.severityNumber;
  if (r.severityText) log.severityText = r.severityText;
  if (r.body !== undefined && r.body !== null) log.body = otlpValue(r.body);
  log.attributes = otlpAttributes(r.attributes);
  if (r.droppedAttributesCount) log.droppedAttributesCount = r.droppedAttributesCount;
  const sc = r.spanContext;
  if (sc?.traceId && !INVALID_TRACE.test(sc.traceId)) {
    log.flags = sc.traceFlags ?? 0;
    log.traceId = sc.traceId;
    log.spanId = sc.spanId;
  }
  if (r.eventName) log.eventName = r.eventName;
  return log;
}

/**
 * One `ExportLogsServiceRequest` in OTLP JSON, the line format otelcol's otlpjsonfile receiver
 * reads: records grouped by resource and scope, hex IDs, 64-bit integers as strings, enums as ints.
 */
export function otlpJsonRequest(records: readonly ReadableLogRecord[]): JsonValue {
  type Scope = { scope: JsonValue; logRecords: JsonValue[] };
  const byResource = new Map<string, { resource: JsonValue; schemaUrl?: string; scopes: Map<string, Scope> }>();
  // Group by what a resource says, not by object identity: decoded batches make one object per request.
  const keys = new Map<unknown, string>();
  for (const r of records) {
    let key = keys.get(r.resource);
    if (key === undefined) {
      key = JSON.stringify([r.resource?.attributes ?? {}, r.resource?.schemaUrl ?? ''], (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      keys.set(r.resource, key);
    }
    let res = byResource.get(key);
    if (!res) {
      res = { resource: { attributes: otlpAttributes(r.resource?.attributes as Attributes) }, scopes: new Map() };
      if (r.resource?.schemaUrl) res.schemaUrl = r.resource.schemaUrl;
      byResource.set(key, res);
    }
    const is = r.instrumentationScope;
    const scopeKey = `${is.name}\n${is.version ?? ''}\n${is.schemaUrl ?? ''}`;
    let scope = res.scopes.get(scopeKey);
    if (!scope) {
      scope = { scope: is.version ? { name: is.name, version: is.version } : { name: is.name }, logRecords: [] };
      if (is.schemaUrl) (scope as JsonValue).schemaUrl = is.schemaUrl;
      res.scopes.set(scopeKey, scope);
    }
    scope.logRecords.push(logRecord(r));
  }
  const resourceLogs: JsonValue[] = [];
  for (const res of byResource.values()) {
    const entry: JsonValue = { resource: res.resource, scopeLogs: [...res.scopes.values()] };
    if (res.schemaUrl) entry.schemaUrl = res.schemaUrl;
    resourceLogs.push(entry);
  }
  return { resourceLogs };
}
