import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { PipelineRecord } from '../model/record.ts';
import type { Counter, Telemetry } from '../model/telemetry.ts';

/**
 * The bounded queue between a source (the SDK's `onEmit`, a receiver) and the processors. The
 * caller only pushes; processing runs later on its own turn of the event loop, in slices, so the
 * application's stack stays short and the loop stays responsive.
 */
export class IngestQueue {
  readonly capacity: number;
  #records: PipelineRecord[] = [];
  #entries: LogRecordProcessor[] = [];
  #head = 0;
  #scheduled = false;
  readonly #accepted: Counter;
  readonly #refused: Counter;
  static readonly SLICE = 2048;

  constructor(telemetry: Telemetry, capacity = 16_384) {
    this.capacity = capacity;
    this.#accepted = telemetry.counter('unitrack_ingest_accepted_total', 'Records accepted into the pipeline.');
    this.#refused = telemetry.counter('unitrack_ingest_refused_total', 'Records refused because the ingest queue was full.');
    telemetry.gauge('unitrack_ingest_queue_size', 'Records waiting for the processors.', () => this.size);
    telemetry.gauge('unitrack_ingest_queue_capacity', "The ingest queue's capacity.", () => this.capacity);
  }

  get size(): number {
    return this.#records.length - this.#head;
  }

  /** Queues one record for `entry`; false (and counted) when full. */
  push(record: PipelineRecord, entry: LogRecordProcessor): boolean {
    if (this.size >= this.capacity) {
      this.#refused.add();
      return false;
    }
    this.#records.push(record);
    this.#entries.push(entry);
    this.#accepted.add();
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drainSlice);
    }
    return true;
  }

  /** Queues a whole batch or none of it (a receiver answers 429/503 for the batch). */
  pushAll(records: readonly PipelineRecord[], entry: LogRecordProcessor): boolean {
    if (this.size + records.length > this.capacity) {
      this.#refused.add(records.length);
      return false;
    }
    for (const r of records) this.push(r, entry);
    return true;
  }

  readonly #drainSlice = (): void => {
    this.#scheduled = false;
    this.drain(IngestQueue.SLICE);
    if (this.size > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drainSlice);
    }
  };

  /** Runs up to `limit` queued records through their pipelines, synchronously. */
  drain(limit = Number.POSITIVE_INFINITY): void {
    let n = 0;
    while (this.#head < this.#records.length && n < limit) {
      const i = this.#head++;
      const record = this.#records[i];
      const entry = this.#entries[i];
      (this.#records as unknown[])[i] = undefined;
      (this.#entries as unknown[])[i] = undefined;
      n++;
      try {
        entry.onEmit(record);
      } catch {
        // Stages are guarded; nothing here may stop the queue.
      }
    }
    if (this.#head === this.#records.length) {
      this.#records = [];
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head > 65_536 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
