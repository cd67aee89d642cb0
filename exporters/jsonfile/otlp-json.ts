import type { AnyValue, Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

type JsonValue = Record<string, unknown>;

function nanos(t: HrTime): string {
  return (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();
}

/** An AnyValue in OTLP JSON (ints as decimal strings, bytes as base64). */
export function otlpValue(v: AnyValue | undefined): JsonValue {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(otlpValue) } };
  return { kvlistValue: { values: otlpAttributes(v as Attributes) } };
}

export function otlpAttributes(a: Attributes | Record<string, AnyValue> | undefined): JsonValue[] {
  if (!a) return [];
  return Object.keys(a)
    .filter((k) => a[k] !== undefined)
    .map((key) => ({ key, value: otlpValue(a[key] as AnyValue) }));
}

/** One `ExportLogsServiceRequest` in OTLP JSON: the line format otelcol's otlpjsonfile receiver reads. */
export function otlpJsonRequest(records: readonly ReadableLogRecord[]): JsonValue {
  const byResource = new Map<
    string,
    {
      resource: ReadableLogRecord['resource'];
      scopes: Map<string, { scope: ReadableLogRecord['instrumentationScope']; logs: JsonValue[] }>;
    }
  >();
  // Group by what a resource says, not by object identity: decoded batches make one object per request.
  const keys = new Map<unknown, string>();
  for (const r of records) {
    let key = keys.get(r.resource);
    if (key === undefined) keys.set(r.resource, (key = JSON.stringify(r.resource?.attributes ?? {})));
    let res = byResource.get(key);
    if (!res) byResource.set(key, (res = { resource: r.resource, scopes: new Map() }));
    const scopeKey = `${r.instrumentationScope.name}\n${r.instrumentationScope.version ?? ''}`;
    let scope = res.scopes.get(scopeKey);
    if (!scope) res.scopes.set(scopeKey, (scope = { scope: r.instrumentationScope, logs: [] }));
    const log: JsonValue = {
      timeUnixNano: nanos(r.hrTime),
      observedTimeUnixNano: nanos(r.hrTimeObserved),
      attributes: otlpAttributes(r.attributes),
    };
    if (r.severityNumber) log.severityNumber = r.severityNumber;
    if (r.severityText) log.severityText = r.severityText;
    if (r.body !== undefined) log.body = otlpValue(r.body);
    if (r.eventName) log.eventName = r.eventName;
    if (r.droppedAttributesCount) log.droppedAttributesCount = r.droppedAttributesCount;
    if (r.spanContext?.traceId && !/^0+$/.test(r.spanContext.traceId)) {
      log.traceId = r.spanContext.traceId;
      log.spanId = r.spanContext.spanId;
      log.flags = r.spanContext.traceFlags;
    }
    scope.logs.push(log);
  }
  return {
    resourceLogs: [...byResource.values()].map((res) => ({
      resource: { attributes: otlpAttributes(res.resource?.attributes as Attributes) },
      scopeLogs: [...res.scopes.values()].map((s) => ({
        scope: { name: s.scope.name, ...(s.scope.version ? { version: s.scope.version } : {}) },
        logRecords: s.logs,
      })),
    })),
  };
}
