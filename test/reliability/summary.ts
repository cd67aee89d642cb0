// vitest globalSetup: clears the reliability results before a run and prints them as a table after.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const FILE = join(import.meta.dirname, '..', 'output', 'reliability.jsonl');

export function setup(): void {
  rmSync(FILE, { force: true });
}

export function teardown(): void {
  if (!existsSync(FILE)) return;
  const rows = readFileSync(FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { area: string; check: string; detail: string; lost: number });
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  const width = Math.max(...rows.map((r) => r.check.length), 5);
  const lines = [
    '',
    `reliability and security summary (${process.env.UNITRACK_RELIABILITY === 'full' ? 'full' : 'short'} run)`,
    `${'area'.padEnd(9)}${'check'.padEnd(width + 2)}lost  detail`,
    ...rows.map((r) => `${r.area.padEnd(9)}${r.check.padEnd(width + 2)}${String(r.lost).padEnd(6)}${r.detail}`),
    `events lost: ${lost}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
