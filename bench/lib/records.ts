import { TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PipelineRecord } from '../../model/record.ts';
import { SharedState } from '../../model/shared-state.ts';
import { Telemetry } from '../../model/telemetry.ts';
import type { Host } from '../../pipeline/component.ts';
import { type BenchEvent, benchEvent, otelAttributes, SEVERITY_NUMBER, SEVERITY_TEXT } from './events.ts';

export const benchResource = resourceFromAttributes({ 'service.name': 'bench', 'service.version': '1.0.0' });

export function traceIds(i: number): { traceId: string; spanId: string } {
  return {
    traceId: (i * 2654435761).toString(16).padStart(32, '0').slice(-32),
    spanId: (i * 40503 + 1).toString(16).padStart(16, '0').slice(-16),
  };
}

/** Event i as the pipeline's record (what an exporter receives). */
export function benchRecord(i: number, e: BenchEvent = benchEvent(i)): PipelineRecord {
  return new PipelineRecord({
    hrTime: [1_700_000_000 + (i >> 10), (i % 1000) * 1_000_000],
    resource: benchResource,
    instrumentationScope: { name: 'unitrack' },
    severityNumber: SEVERITY_NUMBER[e.severity],
    severityText: SEVERITY_TEXT[e.severity],
    body: e.message,
    eventName: e.event,
    attributes: otelAttributes(e),
    spanContext: { ...traceIds(i), traceFlags: TraceFlags.SAMPLED },
  });
}

/** A component host for running one component outside a Service. */
export function benchHost(dataDir: string): Host {
  return { mode: 'embedded', telemetry: new Telemetry(), dataDir, shared: new SharedState(), reportError: () => {} };
}
