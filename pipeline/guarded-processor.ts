import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Counter } from '../model/telemetry.ts';
import type { Host } from './component.ts';

/**
 * Wraps one processor stage: a throw drops that record at this stage, is counted and reported,
 * and never reaches the stages before it, the other pipelines or the application.
 */
export class GuardedProcessor implements LogRecordProcessor {
  readonly #inner: LogRecordProcessor;
  readonly #id: string;
  readonly #host: Host;
  readonly #errors: Counter;

  constructor(id: string, inner: LogRecordProcessor, host: Host) {
    this.#inner = inner;
    this.#id = id;
    this.#host = host;
    this.#errors = host.telemetry.counter('unitrack_processor_errors_total', 'Records dropped because a processor threw.', {
      processor: id,
    });
  }

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    try {
      this.#inner.onEmit(record, context);
    } catch (error) {
      this.#errors.add();
      this.#host.reportError(this.#id, error);
    }
  }

  async forceFlush(): Promise<void> {
    try {
      await this.#inner.forceFlush();
    } catch (error) {
      this.#host.reportError(this.#id, error);
    }
  }

  async shutdown(): Promise<void> {
    try {
      await this.#inner.shutdown();
    } catch (error) {
      this.#host.reportError(this.#id, error);
    }
  }
}
