import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { toEventLine } from '../event-json.ts';

export interface JsonFileExporterOptions {
  /** The JSON lines file. */
  path: string;
}

/** Appends one JSON line per event through one file handle. */
export class JsonFileExporter implements LogRecordExporter {
  readonly #path: string;
  #fd: number | undefined;

  constructor(options: JsonFileExporterOptions) {
    this.#path = options.path;
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      if (this.#fd === undefined) {
        mkdirSync(dirname(this.#path), { recursive: true });
        this.#fd = openSync(this.#path, 'a');
      }
      let text = '';
      for (const r of records) text += `${toEventLine(r)}\n`;
      writeSync(this.#fd, text);
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async forceFlush(): Promise<void> {
    if (this.#fd !== undefined) fsyncSync(this.#fd);
  }

  async shutdown(): Promise<void> {
    if (this.#fd === undefined) return;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
