import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** True when `npm run test:reliability` asked for the long versions. */
export const FULL = process.env.UNITRACK_RELIABILITY === 'full';

const OUT = join(import.meta.dirname, '..', 'output');

/** One row of the reliability summary table (printed by test/reliability/summary.ts). */
export function recordResult(row: { area: 'load' | 'fault' | 'input' | 'security'; check: string; detail: string; lost?: number }): void {
  mkdirSync(OUT, { recursive: true });
  appendFileSync(join(OUT, 'reliability.jsonl'), `${JSON.stringify({ ...row, lost: row.lost ?? 0 })}\n`);
}
