import { type AnyValue, type Attributes, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { PipelineRecord } from '../../model/record.ts';
import { SEVERITY_NUMBER, SEVERITY_TEXT, type Severity } from '../../model/severity.ts';
import { SharedState } from '../../model/shared-state.ts';
import { Telemetry } from '../../model/telemetry.ts';
import type { Host } from '../../pipeline/component.ts';

/** A last stage that remembers what reached it. */
export class Collect implements LogRecordProcessor {
  readonly records: ReadWriteLogRecord[] = [];
  flushes = 0;

  onEmit(record: ReadWriteLogRecord): void {
    this.records.push(record);
  }

  async forceFlush(): Promise<void> {
    this.flushes++;
  }

  async shutdown(): Promise<void> {}
}

/** A last stage that only counts (for runs of a million records). */
export class Count implements LogRecordProcessor {
  n = 0;
  onEmit(): void {
    this.n++;
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

export function testHost(telemetry = new Telemetry()): Host {
  const errors: unknown[] = [];
  return {
    mode: 'embedded',
    telemetry,
    dataDir: 'data',
    shared: new SharedState(),
    reportError: (_id, error) => {
      errors.push(error);
    },
  };
}

const resource = resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment.name': 'test' });

export interface RecordSpec {
  severity?: Severity;
  body?: AnyValue;
  eventName?: string;
  attributes?: Attributes;
  traceId?: string;
  spanId?: string;
  resourceAttributes?: Attributes;
}

export function rec(spec: RecordSpec = {}): PipelineRecord {
  const severity = spec.severity ?? 'info';
  return new PipelineRecord({
    hrTime: [1_700_000_000, 0],
    resource: spec.resourceAttributes ? resourceFromAttributes(spec.resourceAttributes) : resource,
    instrumentationScope: { name: 'unitrack' },
    severityNumber: SEVERITY_NUMBER[severity],
    severityText: SEVERITY_TEXT[severity],
    body: spec.body ?? 'something happened',
    eventName: spec.eventName ?? 'something_happened',
    attributes: spec.attributes,
    spanContext: spec.traceId
      ? { traceId: spec.traceId, spanId: spec.spanId ?? '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED }
      : undefined,
  });
}

/** A random W3C trace ID. */
export function randomTraceId(): string {
  let s = '';
  for (let i = 0; i < 4; i++)
    s += Math.floor(Math.random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return s;
}
