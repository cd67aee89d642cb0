import { describe, expect, it } from 'vitest';
import { ATTR_ALERT_REASON, ATTR_GROUP_COUNT, ATTR_SAMPLE_RATE } from '../../model/attributes.ts';
import { SEVERITIES, type Severity } from '../../model/severity.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { isValidTraceId, keepTrace, stableUnit, thresholdFor } from '../../processors/sampler/consistent-probability.ts';
import { samplerConfig } from '../../processors/sampler/sampler-factory.ts';
import { SamplerProcessor } from '../../processors/sampler/sampler-processor.ts';
import { Collect, randomTraceId, rec } from './harness.ts';

const defaults = samplerConfig.parse({}).rates;

function sampler(rates = defaults, extra: { fromAttribute?: string; random?: () => number } = {}) {
  const out = new Collect();
  const telemetry = new Telemetry();
  return { out, telemetry, s: new SamplerProcessor(out, { rates, telemetry, ...extra }) };
}

/** Kept count of n Bernoulli(p) trials lies within this many standard deviations (false failure ≈ 1e-6). */
const Z = 5;

describe('sampler', () => {
  it('has the documented default rates', () => {
    expect(defaults).toEqual({ critical: 1, high: 1, medium: 0.5, low: 0.2, info: 0.1, debug: 0.01 });
  });

  it.each(SEVERITIES.map((s) => [s]))('keeps %s records at its rate, within statistical bounds, by trace ID', (severity: Severity) => {
    const { out, s, telemetry } = sampler();
    const n = 20_000;
    for (let i = 0; i < n; i++) s.onEmit(rec({ severity, traceId: randomTraceId() }));
    const p = defaults[severity];
    const kept = out.records.length;
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(kept - n * p)).toBeLessThanOrEqual(Z * sd + 1e-9);
    expect(telemetry.value('unitrack_sampler_dropped_total', { processor: 'sampler', severity })).toBe(n - kept);
    for (const r of out.records) expect(r.attributes[ATTR_SAMPLE_RATE]).toBe(p);
  });

  it('keeps records without a trace ID at their rate too (random)', () => {
    const { out, s } = sampler();
    const n = 20_000;
    for (let i = 0; i < n; i++) s.onEmit(rec({ severity: 'low' }));
    const sd = Math.sqrt(n * 0.2 * 0.8);
    expect(Math.abs(out.records.length - n * 0.2)).toBeLessThanOrEqual(Z * sd);
  });

  it('decides by the low 56 bits of the trace ID, as OpenTelemetry consistent probability sampling does', () => {
    // Randomness all ones: kept at any rate above 0. All zeros: dropped at any rate below 1.
    const high = '0123456789abcdef00ffffffffffffff';
    const low = 'ffffffffffffffffff00000000000000';
    for (const p of [0.001, 0.01, 0.1, 0.5, 0.99]) {
      expect(keepTrace(high, thresholdFor(p))).toBe(true);
      expect(keepTrace(low, thresholdFor(p))).toBe(false);
    }
    // The upper 72 bits play no part.
    expect(keepTrace('00000000000000000080000000000000', thresholdFor(0.5))).toBe(true);
    expect(keepTrace('ffffffffffffffffff7fffffffffffff', thresholdFor(0.5))).toBe(false);
    expect(keepTrace(low, thresholdFor(1))).toBe(true);
    expect(keepTrace(high, thresholdFor(0))).toBe(false);
    expect(isValidTraceId('00000000000000000000000000000000')).toBe(false);
    expect(isValidTraceId('xyz')).toBe(false);
  });

  it('makes the same decision for every record of a trace, in any process, and a lower rate keeps a subset', () => {
    const sdk = sampler();
    const collector = sampler();
    const traces = Array.from({ length: 2000 }, randomTraceId);
    for (const t of traces) {
      for (let k = 0; k < 3; k++) {
        sdk.s.onEmit(rec({ severity: 'medium', traceId: t, body: `step ${k}` }));
        collector.s.onEmit(rec({ severity: 'medium', traceId: t, body: `step ${k}` }));
      }
    }
    const keptBy = (c: Collect) => c.records.map((r) => r.spanContext?.traceId);
    expect(keptBy(sdk.out)).toEqual(keptBy(collector.out));
    // All three records of a trace or none.
    const counts = new Map<string, number>();
    for (const t of keptBy(sdk.out)) counts.set(t as string, (counts.get(t as string) ?? 0) + 1);
    for (const c of counts.values()) expect(c).toBe(3);
    // Rates nest: what low (0.2) keeps, medium (0.5) keeps too.
    const lowKept = sampler();
    for (const t of traces) lowKept.s.onEmit(rec({ severity: 'low', traceId: t }));
    const mediumTraces = new Set(keptBy(sdk.out));
    expect(lowKept.out.records.length).toBeGreaterThan(0);
    for (const r of lowKept.out.records) expect(mediumTraces.has(r.spanContext?.traceId)).toBe(true);
  });

  it('always keeps the first record of a new group and any alert, with rate 1', () => {
    const zero = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    const { out, s } = sampler(zero);
    s.onEmit(rec({ severity: 'debug', traceId: randomTraceId(), attributes: { [ATTR_GROUP_COUNT]: 1 } }));
    s.onEmit(rec({ severity: 'debug', attributes: { [ATTR_GROUP_COUNT]: '1' } }));
    s.onEmit(rec({ severity: 'info', attributes: { [ATTR_GROUP_COUNT]: 57, [ATTR_ALERT_REASON]: 'threshold' } }));
    s.onEmit(rec({ severity: 'info', attributes: { [ATTR_GROUP_COUNT]: 2 } }));
    s.onEmit(rec({ severity: 'critical' }));
    expect(out.records).toHaveLength(3);
    for (const r of out.records) expect(r.attributes[ATTR_SAMPLE_RATE]).toBe(1);
  });

  it('samples records without a trace ID by an attribute when told, consistently', () => {
    const a = sampler(defaults, { fromAttribute: 'unitrack.correlation_id' });
    const ids = Array.from({ length: 1000 }, (_, i) => `corr-${i}`);
    for (const id of ids)
      for (let k = 0; k < 2; k++) a.s.onEmit(rec({ severity: 'medium', attributes: { 'unitrack.correlation_id': id } }));
    const kept = a.out.records.map((r) => r.attributes['unitrack.correlation_id']);
    const expected = ids.filter((id) => stableUnit(id) < 0.5).flatMap((id) => [id, id]);
    expect(kept).toEqual(expected);
    expect(expected.length).toBeGreaterThan(800);
    expect(expected.length).toBeLessThan(1200);
  });

  it('combines with a rate from an earlier sampler so weights stay right', () => {
    const { out, s } = sampler(defaults, { random: () => 0 });
    // Consistent (trace) decisions nest: the smaller rate stands.
    s.onEmit(rec({ severity: 'medium', traceId: '0123456789abcdef00ffffffffffffff', attributes: { [ATTR_SAMPLE_RATE]: 0.2 } }));
    // Independent (random) decisions multiply.
    s.onEmit(rec({ severity: 'medium', attributes: { [ATTR_SAMPLE_RATE]: 0.2 } }));
    expect(out.records.map((r) => r.attributes[ATTR_SAMPLE_RATE])).toEqual([0.2, 0.1]);
  });

  it('rejects rates outside 0..1 and unknown levels', () => {
    expect(samplerConfig.safeParse({ rates: { medium: 2 } }).success).toBe(false);
    expect(samplerConfig.safeParse({ rates: { warning: 0.5 } }).success).toBe(false);
    expect(samplerConfig.parse({ rates: { medium: 0.3 } }).rates).toMatchObject({ medium: 0.3, info: 0.1 });
  });
});
