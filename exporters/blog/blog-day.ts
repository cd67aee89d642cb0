import { SEVERITIES, type Severity } from '../../model/severity.ts';
import { clock } from './blog-line.ts';

interface Repeat {
  line: number;
  start: number;
  count: number;
  until: number;
}

/** Lines kept for one day; past this the header says how many more were not written out. */
const MAX_LINES = 50_000;

/**
 * One day of the blog in memory: its lines, the repeats being collapsed, and the counts for the
 * summary header. New lines are appended to its Markdown file (`takeUnwritten`); the whole file is
 * rendered only when what is already written (summary, repeat counts) is brought up to date.
 */
export class BlogDay {
  readonly date: string;
  readonly #lines: string[] = [];
  /** The open repeat of each group; every line's repeat stays in `#lineRepeats`. */
  readonly #repeats = new Map<string, Repeat>();
  readonly #lineRepeats: Repeat[] = [];
  readonly counts: Record<Severity, number> = { debug: 0, info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  newGroups = 0;
  notShown = 0;
  /** Lines `0 … written-1` are in the file (appended or rendered); the rest are not yet. */
  #written = 0;
  /** Something already in the file (the summary, a repeat count) is out of date. */
  stale = false;

  constructor(date: string) {
    this.date = date;
  }

  /** Adds an event; a repeat of a group inside the window folds into that group's line. */
  add(line: string, time: number, severity: Severity, fingerprint: string | undefined, isNewGroup: boolean, windowMs: number): void {
    this.counts[severity]++;
    if (isNewGroup) this.newGroups++;
    this.stale = true;
    if (fingerprint) {
      const r = this.#repeats.get(fingerprint);
      if (r && time - r.start <= windowMs) {
        r.count++;
        r.until = Math.max(r.until, time);
        return;
      }
    }
    if (this.#lines.length >= MAX_LINES) {
      this.notShown++;
      return;
    }
    this.#lines.push(line);
    if (fingerprint) {
      const r = { line: this.#lines.length - 1, start: time, count: 1, until: time };
      this.#repeats.set(fingerprint, r);
      this.#lineRepeats.push(r);
    }
  }

  /** Lines read back from an earlier run's file, kept as they were. */
  restore(lines: string[], counts: Partial<Record<Severity, number>>, newGroups: number): void {
    this.#lines.push(...lines);
    this.#written = this.#lines.length;
    for (const s of SEVERITIES) this.counts[s] += counts[s] ?? 0;
    this.newGroups += newGroups;
  }

  /**
   * The lines not yet in the file, as text to append (each ending in a newline), marked written.
   * They go out as first seen; a repeat count shows with the next full render.
   */
  takeUnwritten(): string {
    let text = '';
    for (let i = this.#written; i < this.#lines.length; i++) text += `${this.#lines[i]}\n`;
    this.#written = this.#lines.length;
    return text;
  }

  /** After `render()`'s text is in place: everything in memory is written and up to date. */
  rendered(): void {
    this.#written = this.#lines.length;
    this.stale = false;
  }

  render(): string {
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
    const lines = this.#lines.slice();
    for (const r of this.#lineRepeats) {
      if (r.count > 1) lines[r.line] += ` · repeated ${r.count}× until ${clock(r.until)}`;
    }
    out.push(...lines, '');
    return out.join('\n');
  }
}

/** Reads the summary line and event lines of an existing day file. */
export function parseDayFile(text: string): { lines: string[]; counts: Partial<Record<Severity, number>>; newGroups: number } {
  const lines = text.split('\n').filter((l) => l.startsWith('- '));
  const summary = text.split('\n').find((l) => l.startsWith('<!-- summary -->')) ?? '';
  const counts: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) {
    const m = new RegExp(`\\b${s} (\\d+)`).exec(summary);
    if (m) counts[s] = Number(m[1]);
  }
  const newGroups = Number(/\*\*(\d+) new groups\*\*/.exec(summary)?.[1] ?? 0);
  return { lines, counts, newGroups };
}
