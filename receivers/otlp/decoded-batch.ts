import type { HrTime } from '@opentelemetry/api';
import type { PipelineRecord } from '../../model/record.ts';

/** What a decoder produced: records, and how many items it rejected and why (partial success). */
export interface DecodedBatch {
  records: PipelineRecord[];
  rejected: number;
  errorMessage?: string;
}

/** Nesting allowed inside one AnyValue (arrays and kvlists); deeper input is malformed. */
export const MAX_VALUE_DEPTH = 32;

const INVALID_TRACE = /^0+$/;

/** A span context from OTLP IDs; undefined when absent or all zero, `false` when malformed. */
export function spanContextFrom(traceId: string, spanId: string, flags: number) {
  if (!traceId || INVALID_TRACE.test(traceId)) return undefined;
  if (traceId.length !== 32 || (spanId && spanId.length !== 16)) return false;
  return { traceId, spanId: spanId || '0000000000000000', traceFlags: flags & 0xff, isRemote: true };
}

/** Now, for a record that arrived without a time. */
export function nowHr(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
