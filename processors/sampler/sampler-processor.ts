import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_ALERT_REASON, ATTR_GROUP_COUNT, ATTR_SAMPLE_RATE } from '../../model/attributes.ts';
import { SEVERITIES, type Severity, severityOf } from '../../model/severity.ts';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import { isValidTraceId, keepTrace, stableUnit, type Threshold, thresholdFor } from './consistent-probability.ts';

export interface SamplerOptions {
  /** Keep probability per level, 0..1. */
  rates: Readonly<Record<Severity, number>>;
  /**
   * For records without a trace ID: an attribute whose value decides (stable hash), so that, for
   * example, every record of one correlation ID is kept or dropped together. Unset: random.
   */
  fromAttribute?: string;
  /** Labels the counters (the component id). */
  id?: string;
  telemetry: Telemetry;
  /** Randomness for records with neither a trace ID nor the attribute. Default Math.random. */
  random?: () => number;
}

/**
 * Keeps each record with its level's probability: by trace ID when there is one (consistent across
 * services, see consistent-probability.ts), else by `fromAttribute`, else at random. A new group's
 * first record and any alert are always kept. Kept records carry `unitrack.sample.rate`, the
 * probability they were kept with, so counts can be weighted back (weight = 1 / rate).
 */
export class SamplerProcessor implements LogRecordProcessor {
  readonly #next: LogRecordProcessor;
  readonly #rates: Readonly<Record<Severity, number>>;
  readonly #thresholds: Readonly<Record<Severity, Threshold>>;
  readonly #fromAttribute: string | undefined;
  readonly #random: () => number;
  readonly #dropped: Readonly<Record<Severity, Counter>>;
  readonly #kept: Counter;

  constructor(next: LogRecordProcessor, options: SamplerOptions) {
    this.#next = next;
    this.#rates = options.rates;
    this.#fromAttribute = options.fromAttribute;
    this.#random = options.random ?? Math.random;
    const thresholds = {} as Record<Severity, Threshold>;
    const dropped = {} as Record<Severity, Counter>;
    const processor = options.id ?? 'sampler';
    for (const s of SEVERITIES) {
      thresholds[s] = thresholdFor(options.rates[s]);
      dropped[s] = options.telemetry.counter('unitrack_sampler_dropped_total', 'Records the sampler dropped.', { processor, severity: s });
    }
    this.#thresholds = thresholds;
    this.#dropped = dropped;
    this.#kept = options.telemetry.counter('unitrack_sampler_kept_total', 'Records the sampler kept.', { processor });
  }

  onEmit(record: ReadWriteLogRecord): void {
    const attrs = record.attributes;
    // Never hide something new or something that raised an alert (counts over OTLP may be strings).
    const count = attrs[ATTR_GROUP_COUNT];
    if (attrs[ATTR_ALERT_REASON] !== undefined || count === 1 || count === '1') {
      this.#keep(record, 1, false);
      return;
    }
    const severity = severityOf(record);
    const rate = this.#rates[severity];
    if (rate >= 1) {
      this.#keep(record, 1, false);
      return;
    }
    const traceId = record.spanContext?.traceId;
    let keep: boolean;
    let consistent = false;
    if (isValidTraceId(traceId)) {
      keep = keepTrace(traceId, this.#thresholds[severity]);
      consistent = true;
    } else {
      const key = this.#fromAttribute === undefined ? undefined : attrs[this.#fromAttribute];
      if (key !== undefined && key !== null) {
        keep = stableUnit(String(key)) < rate;
        consistent = true;
      } else keep = this.#random() < rate;
    }
    if (!keep) {
      this.#dropped[severity].add();
      return;
    }
    this.#keep(record, rate, consistent);
  }

  #keep(record: ReadWriteLogRecord, rate: number, consistent: boolean): void {
    // Sampled again (the SDK sampled, then the collector): a consistent decision keeps a subset of
    // the earlier one, so the effective rate is the smaller; independent decisions multiply.
    const prior = record.attributes[ATTR_SAMPLE_RATE];
    let effective = rate;
    if (typeof prior === 'number' && prior > 0 && prior < 1) effective = consistent ? Math.min(prior, rate) : prior * rate;
    record.setAttribute(ATTR_SAMPLE_RATE, effective);
    this.#kept.add();
    this.#next.onEmit(record);
  }

  async forceFlush(): Promise<void> {
    await this.#next.forceFlush();
  }

  async shutdown(): Promise<void> {}
}
