import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as A from '../../model/attributes.ts';
import { recordTimeMs } from '../../model/record.ts';
import { severityOf } from '../../model/severity.ts';
import { type Counter, Telemetry } from '../../model/telemetry.ts';
import type { Description } from '../../pipeline/component.ts';
import { checkWritableDirectory } from '../../pipeline/start-up.ts';
import { BlogDay, parseDayFile } from './blog-day.ts';
import { blogLine, day } from './blog-line.ts';

/** Default of `rewrite_interval`: how stale the summary and repeat counts may get between flushes. */
export const DEFAULT_REWRITE_INTERVAL_MS = 60_000;

export interface BlogExporterOptions {
  /** Where the day files (`YYYY-MM-DD.md`, UTC) go. */
  directory: string;
  /** Repeats of one group within this window fold into one line. */
  collapseWindowMs: number;
  /**
   * At most one whole-file rewrite (summary and repeat counts brought up to date) per this many
   * milliseconds; forceFlush, shutdown and leaving a day rewrite at once. Default 60 s.
   */
  rewriteIntervalMs?: number;
  /** Where `unitrack_blog_*` counters go (`/metrics`); a private registry when absent. */
  telemetry?: Telemetry;
  /** The component id, the `exporter` label of the counters. Default `blog`. */
  id?: string;
}

/**
 * The system blog: Markdown, a file a day, a line an event. Each export appends the batch's new
 * lines to the day file in one write, so the cost of an event does not grow with the day and
 * `tail -f` sees lines as they come. What is already written but changes (the summary line, the
 * `repeated N×` counts) is brought up to date by rewriting the file atomically (write, then
 * rename, so readers never see half a file): at most once per `rewriteIntervalMs`, and at once
 * on forceFlush, shutdown and when a day is left behind.
 */
export class BlogExporter implements LogRecordExporter {
  readonly #o: BlogExporterOptions;
  readonly #interval: number;
  readonly #days = new Map<string, BlogDay>();
  readonly #rewrites: Counter;
  readonly #appends: Counter;
  #lastRewrite = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #shut = false;

  constructor(options: BlogExporterOptions) {
    this.#o = options;
    this.#interval = options.rewriteIntervalMs ?? DEFAULT_REWRITE_INTERVAL_MS;
    const telemetry = options.telemetry ?? new Telemetry();
    const labels = { exporter: options.id ?? 'blog' };
    this.#rewrites = telemetry.counter(
      'unitrack_blog_rewrites_total',
      'Whole rewrites (render, write, rename) of a blog day file, to update its summary and repeat counts.',
      labels,
    );
    this.#appends = telemetry.counter('unitrack_blog_appends_total', 'Appends of new lines to a blog day file (one per batch).', labels);
  }

  /** The directory can be created and written, or the collector does not start (a StartError names it). */
  async start(): Promise<void> {
    checkWritableDirectory(this.#o.directory);
  }

  describe(): Description {
    return { paths: [{ name: 'blog', path: `${this.#o.directory.replace(/\/+$/, '')}/` }] };
  }

  #file(date: string): string {
    return join(this.#o.directory, `${date}.md`);
  }

  #day(date: string): BlogDay {
    let d = this.#days.get(date);
    if (d) return d;
    d = new BlogDay(date);
    const file = this.#file(date);
    if (existsSync(file)) {
      const parsed = parseDayFile(readFileSync(file, 'utf8'));
      d.restore(parsed.lines, parsed.counts, parsed.newGroups);
    } else d.stale = true;
    this.#days.set(date, d);
    // Only today and yesterday stay in memory; a day left behind gets its final rewrite.
    if (this.#days.size > 2) {
      const oldest = this.#days.keys().next().value as string;
      const old = this.#days.get(oldest);
      this.#days.delete(oldest);
      if (old?.stale) this.#rewrite(old);
    }
    return d;
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      mkdirSync(this.#o.directory, { recursive: true });
      const touched = new Set<BlogDay>();
      for (const r of records) {
        const time = recordTimeMs(r);
        const d = this.#day(day(time));
        const fp = r.attributes[A.ATTR_FINGERPRINT];
        const isNew = r.attributes[A.ATTR_ALERT_REASON] === 'new_group' || r.attributes[A.ATTR_GROUP_COUNT] === 1;
        d.add(blogLine(r), time, severityOf(r), typeof fp === 'string' ? fp : undefined, isNew, this.#o.collapseWindowMs);
        touched.add(d);
      }
      for (const d of touched) this.#append(d);
      this.#schedule();
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  /** New lines go to the end of the file in one write; a day without a file yet is written whole. */
  #append(d: BlogDay): void {
    const file = this.#file(d.date);
    if (d.rewriteNext || !existsSync(file)) {
      this.#rewrite(d);
      return;
    }
    const text = d.unwritten();
    if (!text) return;
    try {
      appendFileSync(file, text);
      d.appended();
      this.#appends.add();
    } catch (error) {
      // The lines stay in memory; the next write rewrites the file, past whatever part got in.
      d.stale = true;
      d.rewriteNext = true;
      throw error;
    }
  }

  #rewrite(d: BlogDay): void {
    const file = this.#file(d.date);
    // The lines already written are read back from the file: memory holds only what changed.
    writeFileSync(`${file}.tmp`, d.render(existsSync(file) ? readFileSync(file, 'utf8') : ''));
    renameSync(`${file}.tmp`, file);
    d.rendered();
    d.rewriteNext = false;
    this.#rewrites.add();
    this.#lastRewrite = Date.now();
  }

  /** Rewrites every day whose file is out of date. */
  #rewriteStale(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const d of this.#days.values()) {
      if (!d.stale) continue;
      mkdirSync(this.#o.directory, { recursive: true });
      this.#rewrite(d);
    }
  }

  /** Arms the one timer that brings stale files up to date, no sooner than an interval after the last rewrite. */
  #schedule(): void {
    if (this.#timer || this.#shut) return;
    let stale = false;
    for (const d of this.#days.values()) stale ||= d.stale;
    if (!stale) return;
    const wait = Math.max(0, this.#lastRewrite + this.#interval - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.#rewriteStale();
      } catch {
        // Tried again with the next batch, flush or shutdown.
      }
    }, wait);
    this.#timer.unref();
  }

  async forceFlush(): Promise<void> {
    this.#rewriteStale();
  }

  async shutdown(): Promise<void> {
    this.#shut = true;
    await this.forceFlush();
  }
}
