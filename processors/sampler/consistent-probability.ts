/**
 * Consistent probability sampling, as in OpenTelemetry's tracestate `th` spec: the randomness of a
 * trace is the low 56 bits of its trace ID (random for W3C IDs with the random flag), and a record
 * is kept at probability p when that value is at or above the rejection threshold
 * T = round((1 - p) · 2^56). Every service, the SDK and the collector, decides the same way for
 * one trace, and a lower rate keeps a subset of what a higher rate keeps.
 *
 * The 56 bits are compared as two 28-bit halves so the hot path stays in plain numbers.
 */
const HALF = 2 ** 28;

export interface Threshold {
  readonly hi: number;
  readonly lo: number;
  /** p ≤ 0: nothing is kept; p ≥ 1: everything is. */
  readonly never: boolean;
  readonly always: boolean;
}

/** The rejection threshold of a keep probability, computed once per configured rate. */
export function thresholdFor(probability: number): Threshold {
  if (!(probability > 0)) return { hi: HALF, lo: 0, never: true, always: false };
  if (probability >= 1) return { hi: 0, lo: 0, never: false, always: true };
  const t = BigInt(Math.round((1 - probability) * 2 ** 56));
  return { hi: Number(t >> 28n), lo: Number(t & 0xfffffffn), never: false, always: false };
}

const HEX = /^[0-9a-f]{32}$/i;

/** True when the trace ID is a usable 32-hex-digit, non-zero W3C trace ID. */
export function isValidTraceId(traceId: string | undefined): traceId is string {
  return traceId !== undefined && HEX.test(traceId) && traceId !== '00000000000000000000000000000000';
}

/** The keep decision for a trace at a threshold; the caller checks the ID with isValidTraceId. */
export function keepTrace(traceId: string, t: Threshold): boolean {
  if (t.always) return true;
  if (t.never) return false;
  const hi = Number.parseInt(traceId.slice(18, 25), 16);
  if (hi !== t.hi) return hi > t.hi;
  return Number.parseInt(traceId.slice(25, 32), 16) >= t.lo;
}

/**
 * A value in [0, 1) from a string, for records without a trace ID that are sampled by an attribute
 * (`from_attribute`): FNV-1a 32-bit over the UTF-16 code units, divided by 2^32. Stable across
 * processes and versions.
 */
export function stableUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}
