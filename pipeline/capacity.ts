import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { PipelineRecord } from '../model/record.ts';
import type { IngestSink, RecordHolder } from './component.ts';
import type { ExportQueue } from './export-queue.ts';
import type { IngestQueue } from './ingest-queue.ts';

/**
 * Admission: how many records the pipeline can still take without an exporter queue
 * overflowing. Receivers ask before they decode (429/503 instead of a loss after a 200).
 */
export class Capacity {
  readonly #queue: IngestQueue;
  readonly #exportQueues: ReadonlyMap<string, ExportQueue>;
  /** Processors that hold records and send them on later (batch): what they hold still reaches the exporters. */
  readonly holders: Required<RecordHolder>[] = [];
  readonly #refuseAt: number;

  constructor(queue: IngestQueue, exportQueues: ReadonlyMap<string, ExportQueue>, refuseAtExportFill: number) {
    this.#queue = queue;
    this.#exportQueues = exportQueues;
    this.#refuseAt = refuseAtExportFill;
  }

  /**
   * Records the pipeline can still take, assuming (to be safe) that every record queued for the
   * processors, or held by one (a batch about to be sent on at once), reaches every exporter.
   */
  headroom(): number {
    const queue = this.#queue;
    let upstream = queue.size;
    for (const h of this.holders) upstream += h.holds();
    let room = queue.capacity - queue.size;
    for (const q of this.#exportQueues.values()) room = Math.min(room, Math.floor(q.capacity * this.#refuseAt) - q.size - upstream);
    return room;
  }

  /** Nothing waits for the processors, in a batch or in front of an exporter. */
  idle(): boolean {
    if (this.#queue.size !== 0) return false;
    for (const h of this.holders) if (h.holds() !== 0) return false;
    for (const q of this.#exportQueues.values()) if (!q.idle) return false;
    return true;
  }

  /** Whether a receiver may take a batch of `n`; a batch larger than any queue is taken once all is idle. */
  admits(n: number): boolean {
    if (n <= this.headroom()) return true;
    if (!this.idle() || n > this.#queue.capacity) return false;
    // Taken, so it must not be lost: let it past the capacity of the queues it may overflow.
    for (const q of this.#exportQueues.values()) q.allowBurst(n);
    return true;
  }

  /** Where one receiver hands its batches: admitted ones are queued for `entry`, the pipelines that list it. */
  sinkFor(entry: LogRecordProcessor, stopped: () => boolean): IngestSink {
    const capacity = this;
    const queue = this.#queue;
    // The size of this receiver's last batch: while the pipeline has less room than that, the
    // next one would most likely be refused after decoding, so it is refused (or waits) before.
    let expected = 1;
    return {
      ingest(records: PipelineRecord[]) {
        if (records.length > 0) expected = records.length;
        return !stopped() && capacity.admits(records.length) && queue.pushAll(records, entry);
      },
      get saturated() {
        const room = capacity.headroom();
        // A batch larger than every queue is still taken once all is idle (see admits).
        return room <= 0 || (room < expected && !capacity.idle());
      },
    };
  }
}
