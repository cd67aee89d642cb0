export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Nearest-rank quantile, q in [0, 1]. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const tick = () => new Promise<void>((r) => setImmediate(r));

/** Resident memory of a process in bytes, from /proc (VmRSS and VmHWM, the peak). */
export function procMemory(pid: number | 'self' = 'self'): { rss: number; hwm: number } {
  const text = readProc(`/proc/${pid}/status`);
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; clock ticks at 100 Hz. */
export function procCpuSeconds(pid: number | 'self' = 'self'): number {
  const text = readProc(`/proc/${pid}/stat`);
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the command: state(0) … utime(11) stime(12).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

import { readFileSync } from 'node:fs';

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
