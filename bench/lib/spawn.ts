import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SubjectResult } from './types.ts';

const CHILD = fileURLToPath(new URL('../child.ts', import.meta.url));
const PREFIX = 'BENCH_RESULT ';

/** Runs one subject of one row in a fresh Node process (this Node, with --expose-gc). */
export function runChild(
  row: string,
  subject: string,
  iterations: number,
  flags: { smoke?: boolean; long?: boolean; timeoutMs?: number } = {},
): Promise<SubjectResult> {
  const args = ['--expose-gc', CHILD, row, subject, String(iterations)];
  if (flags.smoke) args.push('--smoke');
  if (flags.long) args.push('--long');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), flags.timeoutMs ?? 300_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(PREFIX));
      if (line) resolve(JSON.parse(line.slice(PREFIX.length)));
      else
        resolve({ unavailable: `child failed (${signal ?? `exit ${code}`}): ${err.trim().split('\n').slice(-3).join(' ').slice(0, 300)}` });
    });
  });
}
