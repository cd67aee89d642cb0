import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/build-otelcol.sh', import.meta.url));

/**
 * The otelcol binary from scripts/build-otelcol.sh (built once, cached), or why there is none.
 * The runner resolves it once and hands it to its children in UNITRACK_BENCH_OTELCOL(_UNAVAILABLE).
 */
export function resolveOtelcol(): { bin: string } | { unavailable: string } {
  if (process.env.UNITRACK_BENCH_OTELCOL) return { bin: process.env.UNITRACK_BENCH_OTELCOL };
  if (process.env.UNITRACK_BENCH_OTELCOL_UNAVAILABLE) return { unavailable: process.env.UNITRACK_BENCH_OTELCOL_UNAVAILABLE };
  if (!existsSync(SCRIPT)) return { unavailable: 'scripts/build-otelcol.sh is missing' };
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status === 2) return { unavailable: 'Go is not installed' };
  if (r.status !== 0)
    return {
      unavailable: `build-otelcol.sh failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ').slice(0, 200)}`,
    };
  const bin = r.stdout.trim().split('\n').at(-1) ?? '';
  if (!bin || !existsSync(bin)) return { unavailable: `build-otelcol.sh printed no binary path (${bin || 'nothing'})` };
  return { bin };
}
