import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repo } from './otelcol.ts';

/** What `scripts/build-telemetrygen.sh` gave: the binary, a reason to skip (exit 2: no Go), or a build failure. */
export type TelemetrygenBuild = { bin: string } | { skip: string } | { error: string };

/** Builds (or finds in the cache) telemetrygen; call it at load or from `beforeAll`, it may take a minute once. */
export function telemetrygenBinary(): TelemetrygenBuild {
  const r = spawnSync('bash', [join(repo, 'scripts', 'build-telemetrygen.sh')], { encoding: 'utf8', timeout: 900_000 });
  const stderr = (r.stderr ?? '').trim();
  const bin = (r.stdout ?? '').trim().split('\n').pop();
  if (r.status === 2) return { skip: stderr || 'Go is not installed' };
  if (r.status !== 0 || !bin)
    return { error: `scripts/build-telemetrygen.sh exited ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}:\n${stderr}` };
  return { bin };
}

/** Runs telemetrygen to completion with `args` (asynchronously: the collector's output keeps flowing); never rejects. */
export function runTelemetrygen(bin: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += String(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      output += String(c);
    });
    child.on('error', (error) => resolve({ code: null, output: `${output}\n${error.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}
