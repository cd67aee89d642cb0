import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { eventJsonText } from '../../model/event-json.ts';
import type { Counter } from '../../model/telemetry.ts';
import type { Description, Host } from '../../pipeline/component.ts';
import { checkWritableFile } from '../../pipeline/start-up.ts';
import type { JsonLinesWriter } from './json-lines-writer.ts';
import { otlpJsonRequest } from './otlp-json.ts';

export interface JsonFileExporterOptions {
  id: string;
  writer: JsonLinesWriter;
  /** `json`: the design's event lines; `otlp_json`: one OTLP JSON `ExportLogsServiceRequest` per line. */
  format: 'json' | 'otlp_json';
  host: Host;
  /** Gives the shared writer back; the last user closes the file. */
  release: () => Promise<void>;
}

/** The JSON lines file: one event a line, one write a batch, whole lines only. */
export class JsonFileExporter implements LogRecordExporter {
  readonly #o: JsonFileExporterOptions;
  readonly #errors: Counter;
  readonly #dropped: Counter;
  readonly #bytes: Counter;
  /** The errno of the failure being reported, until a write works again. */
  #failing: string | undefined;
  #shut = false;

  constructor(options: JsonFileExporterOptions) {
    this.#o = options;
    const { telemetry } = options.host;
    const labels = { exporter: options.id };
    this.#errors = telemetry.counter(
      'unitrack_jsonfile_write_errors_total',
      'Failed writes to a JSON lines file (disk full, size limit, read-only, no permission, missing directory).',
      labels,
    );
    this.#dropped = telemetry.counter(
      'unitrack_jsonfile_dropped_total',
      'Records not written because the file could not be written.',
      labels,
    );
    this.#bytes = telemetry.counter('unitrack_jsonfile_written_bytes_total', 'Bytes appended to a JSON lines file.', labels);
  }

  /** The file can be created and written, or the collector does not start (a StartError names it). */
  async start(): Promise<void> {
    try {
      checkWritableFile(this.#o.writer.path);
    } catch (error) {
      // Said by the start: the writes that fail for the same reason are counted, not said again.
      this.#failing = ((error as Error).cause as { code?: string } | undefined)?.code;
      throw error;
    }
  }

  describe(): Description {
    return { paths: [{ name: 'JSON lines', path: this.#o.writer.path }] };
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    // Lines, not one joined string: the writer encodes them straight into its own reused buffer.
    let lines: string[];
    if (this.#o.format === 'otlp_json') lines = [JSON.stringify(otlpJsonRequest(records))];
    else {
      lines = new Array(records.length);
      for (let i = 0; i < records.length; i++) lines[i] = eventJsonText(records[i]);
    }
    this.#o.writer.appendLines(lines).then(({ failure, bytes }) => {
      if (!failure) {
        this.#bytes.add(bytes);
        if (this.#failing) {
          this.#failing = undefined;
          diag.info(`unitrack: ${this.#o.id}: writing ${this.#o.writer.path} works again`);
        }
        done({ code: ExportResultCode.SUCCESS });
        return;
      }
      this.#dropped.add(records.length);
      // While waiting to retry the file, batches fail without another attempt: dropped, not errors.
      if (failure.code !== 'EBACKOFF') {
        this.#errors.add();
        if (this.#failing !== failure.code)
          this.#o.host.reportError(this.#o.id, new Error(`cannot write ${this.#o.writer.path} (${failure.code}): ${failure.message}`));
        this.#failing = failure.code;
      }
      done({ code: ExportResultCode.FAILED, error: new Error(`${failure.code}: ${failure.message}`) });
    });
  }

  /** Waits for queued writes and fsyncs the file. */
  forceFlush(): Promise<void> {
    return this.#o.writer.flush();
  }

  async shutdown(): Promise<void> {
    if (this.#shut) return;
    this.#shut = true;
    await this.#o.writer.flush();
    await this.#o.release();
  }
}
