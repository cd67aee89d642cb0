import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { recordTimeMs } from '../../collector/record.ts';
import * as A from '../../sdk/attributes.ts';
import { severityOf } from '../../sdk/severity.ts';
import { BlogDay, parseDayFile } from './blog-day.ts';
import { blogLine, day } from './blog-line.ts';

export interface BlogExporterOptions {
  /** Where the day files (`YYYY-MM-DD.md`, UTC) go. */
  directory: string;
  /** Repeats of one group within this window fold into one line. */
  collapseWindowMs: number;
}

/**
 * The system blog: Markdown, a file a day, a line an event. Each export updates the day in memory
 * and rewrites its file atomically (write, then rename), so readers never see half a file.
 */
export class BlogExporter implements LogRecordExporter {
  readonly #o: BlogExporterOptions;
  readonly #days = new Map<string, BlogDay>();
  readonly #dirty = new Set<string>();

  constructor(options: BlogExporterOptions) {
    this.#o = options;
  }

  #day(date: string): BlogDay {
    let d = this.#days.get(date);
    if (d) return d;
    d = new BlogDay(date);
    const file = join(this.#o.directory, `${date}.md`);
    if (existsSync(file)) {
      const parsed = parseDayFile(readFileSync(file, 'utf8'));
      d.restore(parsed.lines, parsed.counts, parsed.newGroups);
    }
    this.#days.set(date, d);
    // Only today and yesterday stay in memory.
    if (this.#days.size > 2) this.#days.delete(this.#days.keys().next().value as string);
    return d;
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      mkdirSync(this.#o.directory, { recursive: true });
      for (const r of records) {
        const time = recordTimeMs(r);
        const date = day(time);
        const fp = r.attributes[A.ATTR_FINGERPRINT];
        const isNew = r.attributes[A.ATTR_ALERT_REASON] === 'new_group' || r.attributes[A.ATTR_GROUP_COUNT] === 1;
        this.#day(date).add(blogLine(r), time, severityOf(r), typeof fp === 'string' ? fp : undefined, isNew, this.#o.collapseWindowMs);
        this.#dirty.add(date);
      }
      this.#write();
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  #write(): void {
    for (const date of this.#dirty) {
      const d = this.#days.get(date);
      if (!d) continue;
      const file = join(this.#o.directory, `${date}.md`);
      writeFileSync(`${file}.tmp`, d.render());
      renameSync(`${file}.tmp`, file);
    }
    this.#dirty.clear();
  }

  async forceFlush(): Promise<void> {
    this.#write();
  }

  async shutdown(): Promise<void> {
    this.#write();
  }
}
