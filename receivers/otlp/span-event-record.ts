import type { AnyValue, Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { PipelineRecord } from '../../model/record.ts';

/**
 * Which span events become records: those carrying an exception (`exception.*` attributes or the
 * name `exception`) and those named `unitrack.*`. Events that unitrack's own SDK adds beside its log
 * records (marked `unitrack.severity`) are skipped: the same event already arrives as a log record.
 */
export function isTrackedSpanEvent(name: string, attributes: Record<string, AnyValue>): boolean {
  if ('unitrack.severity' in attributes) return false;
  return name === 'exception' || name.startsWith('unitrack.') || 'exception.type' in attributes || 'exception.message' in attributes;
}

/** A record for a span event, with the span's IDs; exceptions are `high` (ERROR). */
export function spanEventRecord(
  name: string,
  time: HrTime,
  attributes: Record<string, AnyValue>,
  spanContext: SpanContext | undefined,
  resource: Resource,
  scope: InstrumentationScope,
): PipelineRecord {
  const isException = name === 'exception' || 'exception.type' in attributes || 'exception.message' in attributes;
  const message = attributes['exception.message'] ?? attributes['unitrack.message'] ?? name;
  return new PipelineRecord({
    hrTime: time,
    spanContext,
    resource,
    instrumentationScope: scope,
    attributes: attributes as Attributes,
    severityNumber: isException ? 17 : 9,
    severityText: isException ? 'ERROR' : 'INFO',
    body: typeof message === 'string' ? message : String(message),
    eventName: name,
  });
}
