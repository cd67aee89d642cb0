import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import type { RecordHolder } from '../../pipeline/component.ts';

export interface BatchOptions {
  /** A batch is sent once it holds this many records; 0: only the timeout sends. */
  sendBatchSize: number;
  /** No batch sent is larger than this; 0: no upper bound. */
  sendBatchMaxSize: number;
  /** A batch is sent this long (ms) after its first record; 0: records pass straight through. */
  timeout: number;
  id?: string;
  telemetry: Telemetry;
}

/**
 * otelcol's `batch` processor: holds records and sends them on together, when `send_batch_size`
 * are held or `timeout` after the first one, in batches of at most `send_batch_max_size`. Held
 * records go on at forceFlush and shutdown. Downstream stages take records one at a time, so a
 * batch is a run of `onEmit` calls in one turn of the event loop.
 */
export class BatchProcessor implements LogRecordProcessor, RecordHolder {
  readonly #next: LogRecordProcessor;
  readonly #threshold: number;
  readonly #max: number;
  readonly #timeout: number;
  #held: ReadWriteLogRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #bySize: Counter;
  readonly #byTimeout: Counter;
  readonly #byFlush: Counter;

  constructor(next: LogRecordProcessor, options: BatchOptions) {
    this.#next = next;
    this.#max = options.sendBatchMaxSize;
    this.#threshold = options.sendBatchSize > 0 ? options.sendBatchSize : this.#max > 0 ? this.#max : Number.POSITIVE_INFINITY;
    this.#timeout = options.timeout;
    const t = options.telemetry;
    const processor = options.id ?? 'batch';
    const help = 'Batches the batch processor sent, by what triggered them.';
    this.#bySize = t.counter('unitrack_batch_batches_sent_total', help, { processor, trigger: 'size' });
    this.#byTimeout = t.counter('unitrack_batch_batches_sent_total', help, { processor, trigger: 'timeout' });
    this.#byFlush = t.counter('unitrack_batch_batches_sent_total', help, { processor, trigger: 'flush' });
    t.gauge('unitrack_batch_held_records', 'Records the batch processor holds.', () => this.#held.length, { processor });
  }

  /** Records held now (the engine's admission counts them; RecordHolder). */
  holds(): number {
    return this.#held.length;
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (this.#timeout === 0) {
      this.#next.onEmit(record);
      return;
    }
    this.#held.push(record);
    if (this.#held.length >= this.#threshold) {
      this.#send(this.#bySize);
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#send(this.#byTimeout);
      }, this.#timeout);
      this.#timer.unref();
    }
  }

  #send(trigger: Counter): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const held = this.#held;
    if (held.length === 0) return;
    this.#held = [];
    const size = this.#max > 0 ? this.#max : held.length;
    for (let start = 0; start < held.length; start += size) {
      trigger.add();
      const end = Math.min(start + size, held.length);
      for (let i = start; i < end; i++) this.#next.onEmit(held[i]);
    }
  }

  async forceFlush(): Promise<void> {
    this.#send(this.#byFlush);
    await this.#next.forceFlush();
  }

  async shutdown(): Promise<void> {
    this.#send(this.#byFlush);
  }
}
