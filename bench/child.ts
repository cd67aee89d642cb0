/**
 * Runs one subject of one row in this (fresh) process and prints its numbers as the last line:
 *   node --expose-gc bench/child.ts <row> <subject> <iterations> [--smoke] [--long]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rows } from './rows/index.ts';

export const RESULT_PREFIX = 'BENCH_RESULT ';

const [rowId, subject, n] = process.argv.slice(2);
const row = rows.find((r) => r.id === rowId);
if (!row?.subjects.some((s) => s.id === subject)) {
  console.error(`unknown row/subject ${rowId}/${subject}`);
  process.exit(2);
}
const tmpDir = mkdtempSync(join(tmpdir(), `unitrack-bench-${rowId}-`));
let code = 0;
try {
  const result = await row.run(subject, Number(n), {
    smoke: process.argv.includes('--smoke'),
    long: process.argv.includes('--long'),
    tmpDir,
  });
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`);
} catch (error) {
  console.error(error);
  code = 1;
} finally {
  try {
    rmSync(tmpDir, { recursive: true, force: true });
  } catch {}
}
// Some peers keep handles open (timers, sockets): the numbers are out, end here.
process.exit(code);
