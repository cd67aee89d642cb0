import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Counter, Telemetry } from '../model/telemetry.ts';
import { SENDING_QUEUE_DEFAULTS } from './config/sending-queue.ts';
import { untraced } from './untraced.ts';

export interface ExportQueueOptions {
  /** Records held before new ones are dropped (and counted): `sending_queue.queue_size`. */
  queueSize?: number;
  /** Records handed to the exporter in one call: `sending_queue.batch_size`. */
  batchSize?: number;
  /**
   * An export that has not called back by then counts as failed. Default: the exporter's own
   * `exportTimeoutMillis` (one that retries says how long its retries may take), else 30000 ms.
   */
  exportTimeoutMillis?: number;
}

/**
 * The bounded batching queue in front of every exporter. A batch is exported as soon as the
 * previous one is done, so batches grow under load and latency stays low when idle; one export is
 * in flight at a time, so a slow destination only ever fills its own queue.
 */
export class ExportQueue implements LogRecordProcessor {
  readonly id: string;
  readonly #exporter: LogRecordExporter;
  readonly #capacity: number;
  readonly #batchSize: number;
  readonly #timeout: number;
  #items: ReadWriteLogRecord[] = [];
  #head = 0;
  #inFlight: Promise<void> | undefined;
  #scheduled = false;
  #closed = false;
  /** Since the last failure was reported: later failures are counted, not said again, until a success. */
  #failing = false;
  /** Records still let in past capacity: see `allowBurst`. */
  #burst = 0;
  readonly #sent: Counter;
  readonly #failed: Counter;
  readonly #dropped: Counter;

  constructor(id: string, exporter: LogRecordExporter, telemetry: Telemetry, options: ExportQueueOptions = {}) {
    this.id = id;
    this.#exporter = exporter;
    this.#capacity = options.queueSize ?? SENDING_QUEUE_DEFAULTS.queue_size;
    this.#batchSize = options.batchSize ?? SENDING_QUEUE_DEFAULTS.batch_size;
    this.#timeout = options.exportTimeoutMillis ?? (exporter as { exportTimeoutMillis?: number }).exportTimeoutMillis ?? 30_000;
    const labels = { exporter: id };
    this.#sent = telemetry.counter('unitrack_exporter_sent_total', 'Records an exporter delivered.', labels);
    this.#failed = telemetry.counter('unitrack_exporter_failed_total', 'Records an exporter failed to deliver.', labels);
    this.#dropped = telemetry.counter('unitrack_exporter_dropped_total', "Records dropped because an exporter's queue was full.", labels);
    telemetry.gauge('unitrack_exporter_queue_size', 'Records waiting in front of an exporter.', () => this.size, labels);
    telemetry.gauge('unitrack_exporter_queue_capacity', "An exporter queue's capacity.", () => this.#capacity, labels);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Share of the queue in use, 0..1. */
  get fill(): number {
    return this.size / this.#capacity;
  }

  /** True while nothing is queued or in flight. */
  get idle(): boolean {
    return this.size === 0 && !this.#inFlight;
  }

  /**
   * Lets the next `n` records in even past capacity. The service admits a batch larger than a
   * queue once everything is idle (else it could never be delivered); having accepted it, it must
   * not lose it. Memory stays bounded by the ingest queue's capacity.
   */
  allowBurst(n: number): void {
    this.#burst = Math.max(this.#burst, n);
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (this.#closed || (this.size >= this.#capacity && this.#burst === 0)) {
      this.#dropped.add();
      return;
    }
    if (this.#burst > 0) this.#burst--;
    this.#items.push(record);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#inFlight && this.size > 0) this.#inFlight = this.#exportBatch();
    });
  }

  #take(): ReadWriteLogRecord[] {
    const end = Math.min(this.#head + this.#batchSize, this.#items.length);
    const batch = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  async #exportBatch(): Promise<void> {
    const batch = this.#take();
    const result = await new Promise<ExportResult>((resolve) => {
      const timer = setTimeout(
        () => resolve({ code: ExportResultCode.FAILED, error: new Error(`export timed out after ${this.#timeout} ms`) }),
        this.#timeout,
      );
      // The export's own I/O keeps the process alive while it runs; the deadline must not.
      timer.unref();
      try {
        // Exports are unitrack's traffic, not the application's: no spans for them (as the SDK's BatchLogRecordProcessor does).
        untraced(() =>
          this.#exporter.export(batch, (r) => {
            clearTimeout(timer);
            resolve(r);
          }),
        );
      } catch (error) {
        clearTimeout(timer);
        resolve({ code: ExportResultCode.FAILED, error: error as Error });
      }
    });
    if (result.code === ExportResultCode.SUCCESS) {
      this.#sent.add(batch.length);
      if (this.#failing) diag.info(`unitrack: exporter ${this.id} delivers again`);
      this.#failing = false;
    } else {
      this.#failed.add(batch.length);
      // Said once per outage: a destination that is down would otherwise print a line per batch.
      if (!this.#failing)
        diag.warn(
          `unitrack: exporter ${this.id} failed ${batch.length} records: ${result.error?.message ?? 'unknown error'} ` +
            '(further failures are counted in unitrack_exporter_failed_total until it delivers again)',
        );
      this.#failing = true;
    }
    this.#inFlight = undefined;
    if (this.size > 0) this.#schedule();
  }

  /** Exports everything queued, then flushes the exporter. */
  async forceFlush(): Promise<void> {
    while (this.size > 0 || this.#inFlight) {
      if (!this.#inFlight) this.#inFlight = this.#exportBatch();
      await this.#inFlight;
    }
    await this.#exporter.forceFlush();
  }

  /** Drains, then shuts the exporter down; later records are dropped and counted. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    await this.forceFlush();
    this.#closed = true;
    await this.#exporter.shutdown();
  }
}
