import { setTimeout as sleep } from 'node:timers/promises';
import type { Counter, Labels, Telemetry } from '../../model/telemetry.ts';
import type { IngestSink } from '../../pipeline/component.ts';
import type { DecodedBatch } from './decoded-batch.ts';

export type Signal = 'logs' | 'traces';

/** How long a request waits for a full pipeline to make room before it is refused. */
const ADMISSION_WAIT_MS = 100;
const ADMISSION_POLL_MS = 2;

export interface SignalCounters {
  readonly requests: Counter;
  readonly accepted: Counter;
  readonly refused: Counter;
  readonly rejected: Counter;
  readonly throttled: Counter;
  readonly malformed: Counter;
}

/** Before decoding: take the request (`open`), refuse it as throttled (`full`), or as shutting down. */
export type Verdict = 'open' | 'full' | 'stopping';

/**
 * Between one OTLP transport (HTTP or gRPC) and the pipeline: whether a request is taken, and what
 * became of its records, counted the same way on both. The transport only maps verdicts to its
 * own answers (429/503 or RESOURCE_EXHAUSTED/UNAVAILABLE).
 */
export class Admission {
  readonly counters: Record<Signal, SignalCounters>;
  readonly #sink: IngestSink;
  #stopping = false;
  /** Body bytes that admitted requests may read and decode at once, across all connections. */
  readonly #bodyBudget: number;
  #bodyBytes = 0;

  /**
   * `labels` name the receiver (and the transport, when not HTTP) on every counter. `bodyBudget`:
   * the body bytes of admitted requests read or decoded at once (a request waits, then is refused,
   * while others hold it; one alone is always admitted): bodies in memory stay bounded whatever
   * the number of clients.
   */
  constructor(sink: IngestSink, telemetry: Telemetry, labels: Labels, bodyBudget = Number.POSITIVE_INFINITY) {
    this.#sink = sink;
    this.#bodyBudget = bodyBudget;
    const counters = (signal: Signal): SignalCounters => {
      const l = { ...labels, signal };
      return {
        requests: telemetry.counter('unitrack_receiver_requests_total', 'OTLP requests received.', l),
        accepted: telemetry.counter('unitrack_receiver_accepted_records_total', 'Records accepted from OTLP.', l),
        refused: telemetry.counter('unitrack_receiver_refused_records_total', 'Records refused with 429/503 (clients retry).', l),
        rejected: telemetry.counter('unitrack_receiver_rejected_records_total', 'Records rejected as invalid (partial success).', l),
        throttled: telemetry.counter(
          'unitrack_receiver_throttled_requests_total',
          'Requests answered 429/503 because the pipeline was full.',
          l,
        ),
        malformed: telemetry.counter('unitrack_receiver_malformed_requests_total', 'Requests refused as malformed or too large.', l),
      };
    };
    this.counters = { logs: counters('logs'), traces: counters('traces') };
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** From now on every request is refused as shutting down, and waiting ones stop waiting. */
  stop(): void {
    this.#stopping = true;
  }

  /**
   * A full pipeline usually has room again a few turns of the event loop later: wait a little
   * (as otelcol's blocking receiver does) and only then refuse, before decoding, so a refusal
   * costs the client a round trip and the collector no decoding.
   */
  async enter(signal: Signal, bodyBytes = 0): Promise<Verdict> {
    if (this.#stopping) return 'stopping';
    if (this.#room(bodyBytes) || (await this.#roomWithin(ADMISSION_WAIT_MS, bodyBytes))) {
      this.#bodyBytes += bodyBytes;
      return 'open';
    }
    if (this.#stopping) return 'stopping';
    this.counters[signal].throttled.add();
    return 'full';
  }

  /** Body bytes of admitted requests now read or decoded. */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /** An admitted request's body now counts `bytes` instead of `was` (its real size once read; 0 once decoded). */
  bodyNow(was: number, bytes: number): void {
    this.#bodyBytes += bytes - was;
  }

  #room(bodyBytes: number): boolean {
    return !this.#sink.saturated && (this.#bodyBytes === 0 || this.#bodyBytes + bodyBytes <= this.#bodyBudget);
  }

  /** Hands a decoded batch to the pipeline; false when it had no room after all (counted as refused). */
  deliver(signal: Signal, batch: DecodedBatch): boolean {
    const c = this.counters[signal];
    if (batch.records.length > 0 && !this.#sink.ingest(batch.records)) {
      c.refused.add(batch.records.length);
      c.throttled.add();
      return false;
    }
    c.accepted.add(batch.records.length);
    c.rejected.add(batch.rejected);
    return true;
  }

  /** Waits up to `ms` for the pipeline (and the body budget) to have room; false if it still has none (or is stopping). */
  async #roomWithin(ms: number, bodyBytes: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await sleep(ADMISSION_POLL_MS);
      if (this.#stopping) return false;
      if (this.#room(bodyBytes)) return true;
    }
    return false;
  }
}
