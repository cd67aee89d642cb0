import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** otelcol's `retry_on_failure` (configretry), in milliseconds. */
export interface RetryPolicy {
  enabled: boolean;
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** 0: never give up. */
  maxElapsedMs: number;
  multiplier: number;
  /** The wait is the interval ± this share of it, drawn at random. */
  randomizationFactor: number;
}

/** Whether a failure is worth another attempt, and after how long when the server said so. */
export type Classify = (error: Error | undefined) => { retryable: boolean; delayMs?: number };

/** Past 2^31-1 ms Node fires a timer at once; "never give up" waits this long instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Retries a failed export with exponential backoff and jitter, as otelcol's exporters do: only
 * failures `classify` calls retryable, after the server's own delay when it gave one (RetryInfo),
 * until `maxElapsedMs` would be passed. The export queue in front waits for it (one export in
 * flight), so a destination that throttles fills that queue, and the receivers refuse in turn.
 */
export class RetryingExporter implements LogRecordExporter {
  readonly #inner: LogRecordExporter;
  readonly #policy: RetryPolicy;
  readonly #classify: Classify;
  readonly #waits = new Set<() => void>();
  #stopped = false;
  /** How long one export may take with all its retries (read by the export queue). */
  readonly exportTimeoutMillis: number;

  constructor(inner: LogRecordExporter, policy: RetryPolicy, classify: Classify, attemptTimeoutMs: number) {
    this.#inner = inner;
    this.#policy = policy;
    this.#classify = classify;
    const budget = !policy.enabled ? attemptTimeoutMs : policy.maxElapsedMs === 0 ? MAX_TIMER_MS : policy.maxElapsedMs + attemptTimeoutMs;
    this.exportTimeoutMillis = Math.min(MAX_TIMER_MS, Math.max(30_000, budget + 1000));
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    this.#run(records).then(done, (error: Error) => done({ code: ExportResultCode.FAILED, error }));
  }

  async #run(records: ReadableLogRecord[]): Promise<ExportResult> {
    const start = performance.now();
    let interval = this.#policy.initialIntervalMs;
    for (;;) {
      const result = await new Promise<ExportResult>((resolve) => this.#inner.export(records, resolve));
      if (result.code === ExportResultCode.SUCCESS || !this.#policy.enabled || this.#stopped) return result;
      const { retryable, delayMs } = this.#classify(result.error);
      if (!retryable) return result;
      const jitter = 1 + this.#policy.randomizationFactor * (2 * Math.random() - 1);
      const wait = delayMs ?? Math.round(interval * jitter);
      if (this.#policy.maxElapsedMs > 0 && performance.now() - start + wait > this.#policy.maxElapsedMs) return result;
      await this.#sleep(wait);
      if (this.#stopped) return result;
      interval = Math.min(interval * this.#policy.multiplier, this.#policy.maxIntervalMs);
    }
  }

  /** A wait that shutdown cuts short; unref'd, so an application is not kept alive by a retry. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(ms, MAX_TIMER_MS));
      timer.unref();
      this.#waits.add(wake);
    });
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  /** Stops retrying (an export waiting for its next attempt fails now), then shuts the exporter down. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const wake of [...this.#waits]) wake();
    await this.#inner.shutdown();
  }
}
