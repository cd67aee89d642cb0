import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Host } from '../../collector/component.ts';
import type { Counter } from '../../collector/telemetry.ts';
import { toEventLine } from '../event-json.ts';
import type { JsonLinesWriter } from './json-lines-writer.ts';
import { otlpJsonRequest } from './otlp-json.ts';

export interface JsonFileExporterOptions {
  id: string;
  writer: JsonLinesWriter;
  /** `json`: the design's event lines; `otlp_json`: one OTLP JSON request per line. */
  format: 'json' | 'otlp_json';
  host: Host;
  release: () => void;
}

/** The JSON lines file: one event a line, one write a batch, whole lines only. */
export class JsonFileExporter implements LogRecordExporter {
  readonly #o: JsonFileExporterOptions;
  readonly #errors: Counter;
  readonly #dropped: Counter;
  #failing: string | undefined;

  constructor(options: JsonFileExporterOptions) {
    this.#o = options;
    const labels = { exporter: options.id };
    this.#errors = options.host.telemetry.counter(
      'unitrack_jsonfile_write_errors_total',
      'Failed writes to a JSON lines file (disk full, read-only, missing directory).',
      labels,
    );
    this.#dropped = options.host.telemetry.counter(
      'unitrack_jsonfile_dropped_total',
      'Records not written because the file could not be written.',
      labels,
    );
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    let text: string;
    if (this.#o.format === 'otlp_json') text = `${JSON.stringify(otlpJsonRequest(records))}\n`;
    else {
      text = '';
      for (const r of records) text += `${toEventLine(r)}\n`;
    }
    const failure = this.#o.writer.append(text);
    if (!failure) {
      if (this.#failing) {
        this.#failing = undefined;
        this.#o.host.reportError(this.#o.id, new Error(`writing ${this.#o.writer.path} works again`));
      }
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    this.#dropped.add(records.length);
    if (failure.code !== 'EBACKOFF') {
      this.#errors.add();
      if (this.#failing !== failure.code)
        this.#o.host.reportError(this.#o.id, new Error(`cannot write ${this.#o.writer.path} (${failure.code}): ${failure.message}`));
      this.#failing = failure.code;
    }
    done({ code: ExportResultCode.FAILED, error: new Error(failure.message) });
  }

  async forceFlush(): Promise<void> {
    this.#o.writer.flush();
  }

  async shutdown(): Promise<void> {
    this.#o.writer.flush();
    await this.#o.writer.settled();
    this.#o.release();
  }
}
