import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { PipelineRecord } from '../model/record.ts';

/**
 * Sends each record to several next stages. Stages that may change the record (pipelines with
 * processors) get their own copy; exporters only read, so they share one.
 */
export class Fanout implements LogRecordProcessor {
  readonly #targets: readonly { stage: LogRecordProcessor; mutates: boolean }[];

  constructor(targets: readonly { stage: LogRecordProcessor; mutates: boolean }[]) {
    this.#targets = targets;
  }

  onEmit(record: ReadWriteLogRecord): void {
    const targets = this.#targets;
    if (targets.length === 1) {
      targets[0].stage.onEmit(record);
      return;
    }
    for (const t of targets) {
      t.stage.onEmit(t.mutates && record instanceof PipelineRecord ? record.clone() : record);
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.#targets.map((t) => t.stage.forceFlush()));
  }

  /** Shutting down is the service's job, stage by stage; a fan-out only flushes. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}

/**
 * Entry of a pipeline with processors behind a connector: a connector may hand one record to
 * several pipelines, so each such pipeline works on its own copy.
 */
export class CopyingStage implements LogRecordProcessor {
  readonly #next: LogRecordProcessor;

  constructor(next: LogRecordProcessor) {
    this.#next = next;
  }

  onEmit(record: ReadWriteLogRecord): void {
    this.#next.onEmit(record instanceof PipelineRecord ? record.clone() : record);
  }

  forceFlush(): Promise<void> {
    return this.#next.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}
