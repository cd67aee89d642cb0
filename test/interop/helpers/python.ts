import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..', '..');

/** What `scripts/python-otel-venv.sh` gave: a python to run, a reason to skip, or an install failure. */
export type PythonVenv = { python: string } | { skip: string } | { error: string };

/** Makes (or finds) the venv with the OpenTelemetry Python SDK; exit 2 from the script means no python3. */
export function pythonOtelVenv(): PythonVenv {
  const r = spawnSync('bash', [join(repo, 'scripts', 'python-otel-venv.sh')], { encoding: 'utf8', timeout: 900_000 });
  const stderr = (r.stderr ?? '').trim();
  if (r.status === 2) return { skip: stderr || 'python3 is not installed' };
  const python = (r.stdout ?? '').trim().split('\n').pop();
  if (r.status !== 0 || !python) {
    return { error: `scripts/python-otel-venv.sh exited ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}:\n${stderr}` };
  }
  return { python };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python script to completion, collecting its output (never rejects on a non-zero exit). */
export function runPython(python: string, script: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += String(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += String(c);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
