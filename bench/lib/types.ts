/** The contract between a benchmark row, the runner (bench/run.ts) and the smoke test. */

export interface Metric {
  key: string;
  label: string;
  /** Which way is better; `none` for counts reported alongside (drops, bytes). */
  better: 'lower' | 'higher' | 'none';
}

export interface Subject {
  id: string;
  label: string;
  /** Subjects this one is compared to (ratio of the row's primary metric, both measured in the same run). */
  vs?: string[];
}

/** One repetition of one subject: metric key → value, or why it could not run. */
export type SubjectResult = Record<string, number> | { unavailable: string };

export interface RunOptions {
  /** A short run that only checks the row still works (the smoke test). */
  smoke: boolean;
  /** The long variants (e.g. ten minutes of sustained load). */
  long: boolean;
  /** A fresh temporary directory for this child process. */
  tmpDir: string;
}

export interface Goal {
  text: string;
  /** Given the medians (subject → metric → value); undefined when a subject needed is unavailable. */
  check: (m: Record<string, Record<string, number> | undefined>) => boolean | undefined;
}

export interface Row {
  id: string;
  title: string;
  /** The first metric is the primary one: ratios are taken on it. */
  metrics: Metric[];
  subjects: Subject[];
  /** Iterations per child process in the full run and in the smoke test. */
  iterations: number;
  smokeIterations: number;
  /** Repetitions, each in a fresh child process. Default 5. */
  reps?: number;
  goals?: Goal[];
  /** One line on how the row is measured, printed under the table. */
  note?: string;
  run(subject: string, iterations: number, options: RunOptions): Promise<SubjectResult>;
}

export function isUnavailable(r: SubjectResult | undefined): r is { unavailable: string } {
  return !!r && typeof (r as { unavailable?: unknown }).unavailable === 'string';
}
