import { SEVERITIES, type Severity } from '../../model/severity.ts';
import { clock } from './blog-line.ts';

interface Repeat {
  /** The line's number among the day's event lines. */
  line: number;
  start: number;
  count: number;
  until: number;
  /** The `· repeated N× until …` the file shows for it now ('' when none). */
  shown: string;
}

/** Lines in one day; past this the header says how many more were not written out. */
const MAX_LINES = 50_000;
/**
 * Groups whose next event may still fold into their line. Past it, the groups opened longest ago
 * stop collapsing (a later repeat gets a line of its own): ~200 bytes each, and at 20,000 events/s
 * a 5-minute window would hold every line of the day.
 */
export const MAX_OPEN_REPEATS = 10_000;

const isEventLine = (l: string): boolean => l.startsWith('- ');

/**
 * One day of the blog. Its lines live in its Markdown file, not in memory (a busy day is 50,000
 * lines, ~15 MB, held for today and yesterday): memory keeps the lines not yet written, the
 * counts for the summary header, the repeats still open for collapsing, and the count of each
 * line that repeated. New lines are appended (`unwritten`); what is already written but changes
 * (the summary, repeat counts) is brought up to date by `render`, from the file's own lines.
 */
export class BlogDay {
  readonly date: string;
  /** Event lines not yet in the file, oldest first. */
  #pending: string[] = [];
  /** Event lines in the file (written by this process or found there). */
  #written = 0;
  /** The open repeat of each group, for collapsing; closed ones are swept out. */
  readonly #open = new Map<string, Repeat>();
  #sweepAt = 1024;
  /** Every line of this process that repeated (count > 1), by line number. */
  readonly #repeated = new Map<number, Repeat>();
  /** The newest event time seen: a repeat opened more than a window before it is closed. */
  #latest = 0;
  readonly counts: Record<Severity, number> = { debug: 0, info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  newGroups = 0;
  notShown = 0;
  /** Something already in the file (the summary, a repeat count) is out of date. */
  stale = false;
  /** An append failed (perhaps in part): the next write is a whole rewrite. */
  rewriteNext = false;

  constructor(date: string) {
    this.date = date;
  }

  get lines(): number {
    return this.#written + this.#pending.length;
  }

  /** Groups whose repeats may still fold into their line. */
  get openRepeats(): number {
    return this.#open.size;
  }

  /** Adds an event; a repeat of a group inside the window folds into that group's line. */
  add(line: string, time: number, severity: Severity, fingerprint: string | undefined, isNewGroup: boolean, windowMs: number): void {
    this.counts[severity]++;
    if (isNewGroup) this.newGroups++;
    this.stale = true;
    if (time > this.#latest) this.#latest = time;
    if (fingerprint) {
      const r = this.#open.get(fingerprint);
      if (r && time - r.start <= windowMs) {
        if (++r.count === 2) this.#repeated.set(r.line, r);
        r.until = Math.max(r.until, time);
        return;
      }
    }
    if (this.lines >= MAX_LINES) {
      this.notShown++;
      return;
    }
    this.#pending.push(line);
    if (fingerprint) {
      // Deleted first, so the map's order stays the order repeats were opened in.
      this.#open.delete(fingerprint);
      this.#open.set(fingerprint, { line: this.lines - 1, start: time, count: 1, until: time, shown: '' });
      if (this.#open.size > this.#sweepAt) this.#sweep(windowMs);
    }
  }

  /** Forgets repeats no event can extend any more (the newest event is past their window), then the oldest past the cap. */
  #sweep(windowMs: number): void {
    for (const [fp, r] of this.#open) if (this.#latest - r.start > windowMs) this.#open.delete(fp);
    if (this.#open.size > (MAX_OPEN_REPEATS * 3) / 4) {
      let n = this.#open.size - MAX_OPEN_REPEATS / 2;
      for (const fp of this.#open.keys()) {
        if (n-- <= 0) break;
        this.#open.delete(fp);
      }
    }
    this.#sweepAt = Math.min(MAX_OPEN_REPEATS, Math.max(1024, 2 * this.#open.size));
  }

  /** An earlier run's file: its lines stay as they are; its summary's counts go on. */
  restore(lines: number, counts: Partial<Record<Severity, number>>, newGroups: number): void {
    this.#written += lines;
    for (const s of SEVERITIES) this.counts[s] += counts[s] ?? 0;
    this.newGroups += newGroups;
  }

  /**
   * The lines not yet in the file, as text to append (each ending in a newline); `appended()`
   * once they are. They go out as first seen; a repeat count shows with the next full render.
   */
  unwritten(): string {
    let text = '';
    for (const l of this.#pending) text += `${l}\n`;
    return text;
  }

  appended(): void {
    this.#written += this.#pending.length;
    this.#pending = [];
  }

  /**
   * The whole day file: the summary, the event lines already in `current` (the file's text, if
   * any) with their repeat counts brought up to date, then the lines not yet written. Call
   * `rendered()` once the text is in place.
   */
  render(current = ''): string {
    const written = current.split('\n').filter(isEventLine);
    // Lines that went missing from the file (truncated, removed) are not ours to bring back.
    if (written.length < this.#written) this.#rebase(written.length);
    written.length = this.#written;
    const lines = written.concat(this.#pending);
    for (const r of this.#repeated.values()) {
      const suffix = r.count > 1 ? ` · repeated ${r.count}× until ${clock(r.until)}` : '';
      const l = lines[r.line];
      lines[r.line] = (r.shown && l.endsWith(r.shown) ? l.slice(0, l.length - r.shown.length) : l) + suffix;
    }
    const total = SEVERITIES.reduce((n, s) => n + this.counts[s], 0);
    const bySeverity = [...SEVERITIES]
      .reverse()
      .filter((s) => this.counts[s] > 0)
      .map((s) => `${s} ${this.counts[s]}`)
      .join(' · ');
    const out = [
      `# System blog — ${this.date}`,
      '',
      `<!-- summary --> **${total} events**${bySeverity ? ` (${bySeverity})` : ''} · **${this.newGroups} new groups**${this.notShown ? ` · ${this.notShown} more not shown` : ''}`,
      '',
    ];
    out.push(...lines, '');
    return out.join('\n');
  }

  /** After `render()`'s text is in place: everything is written and up to date. */
  rendered(): void {
    this.appended();
    for (const r of this.#repeated.values()) r.shown = ` · repeated ${r.count}× until ${clock(r.until)}`;
    this.stale = false;
  }

  /** The file holds only `n` of the lines it held: line numbers start again after them. */
  #rebase(n: number): void {
    const shift = n - this.#written;
    const kept = (r: Repeat) => r.line >= this.#written;
    for (const [fp, r] of this.#open) if (!kept(r)) this.#open.delete(fp);
    const repeated = [...this.#repeated.values()].filter(kept);
    this.#repeated.clear();
    for (const r of repeated) {
      r.line += shift;
      this.#repeated.set(r.line, r);
    }
    // Open repeats that have not repeated yet are in no other map.
    for (const r of this.#open.values()) if (r.count === 1) r.line += shift;
    this.#written = n;
  }
}

/** Reads the summary line and the number of event lines of an existing day file. */
export function parseDayFile(text: string): { lines: number; counts: Partial<Record<Severity, number>>; newGroups: number } {
  const all = text.split('\n');
  const lines = all.filter(isEventLine).length;
  const summary = all.find((l) => l.startsWith('<!-- summary -->')) ?? '';
  const counts: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) {
    const m = new RegExp(`\\b${s} (\\d+)`).exec(summary);
    if (m) counts[s] = Number(m[1]);
  }
  const newGroups = Number(/\*\*(\d+) new groups\*\*/.exec(summary)?.[1] ?? 0);
  return { lines, counts, newGroups };
}
