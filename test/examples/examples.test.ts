// Runs every example as its user would (a child process on this Node), with its data in a temp
// dir and its ports free ones, and checks what it produced. The working directory is the temp dir
// too, so nothing an example writes can land in the repository.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function start(script: string, args: string[], env: Record<string, string>, cwd: string): Run {
  const child = spawn(process.execPath, [join(examples, script), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => (stdout += c));
  child.stderr?.on('data', (c) => (stderr += c));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Runs a script to its end; fails with its output when it exits non-zero. */
async function run(script: string, env: Record<string, string> = {}, args: string[] = []) {
  const cwd = tempDir('unitrack-example-');
  const r = start(script, args, { UNITRACK_DATA_DIR: cwd, ...env }, cwd);
  const [code] = await once(r.child, 'exit');
  if (code !== 0) throw new Error(`${script} exited ${code}\n--- stdout\n${r.stdout()}\n--- stderr\n${r.stderr()}`);
  return { dir: cwd, stdout: r.stdout(), stderr: r.stderr() };
}

describe('01-embedded-quickstart', () => {
  it('writes every event to the JSON lines file and medium and above to the blog, then prints them', async () => {
    const { dir, stdout } = await run('01-embedded-quickstart/app.ts');
    const lines = readJsonLines(join(dir, 'events.jsonl'));
    expect(lines.map((l) => l.event)).toEqual([
      'app_started',
      'order_placed',
      'payment_failed',
      'db_latency_high',
      'mcp_server_failed',
      'dashboard_opened',
    ]);
    const byEvent = Object.fromEntries(lines.map((l) => [l.event, l]));
    expect(byEvent.payment_failed).toMatchObject({
      severity: 'high',
      category: 'error',
      component: 'billing',
      correlation_id: 'order-1234',
      request_id: 'req-42',
      error: { type: 'Error', message: 'could not charge card' },
    });
    expect((byEvent.payment_failed.error as { stack: string }).stack).toContain('Caused by: Error: connect ECONNREFUSED');
    expect(byEvent.payment_failed.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(byEvent.order_placed.trace_id).toBe(byEvent.payment_failed.trace_id);
    expect(byEvent.db_latency_high).toMatchObject({ category: 'health', severity: 'medium' });
    expect(byEvent.mcp_server_failed).toMatchObject({ category: 'mcp', severity: 'high' });
    expect(byEvent.dashboard_opened).toMatchObject({ category: 'dashboard', severity: 'info' });

    const days = readdirSync(join(dir, 'blog')).filter((f) => f.endsWith('.md'));
    expect(days).toHaveLength(1);
    const blog = readFileSync(join(dir, 'blog', days[0]), 'utf8');
    expect(blog).toContain('payment_failed');
    expect(blog).toContain('mcp_server_failed');
    expect(blog).not.toContain('order_placed');
    expect(stdout).toContain('"event":"payment_failed"');
    expect(stdout).toContain('**HIGH** mcp/mcp_client · mcp_server_failed');
  });
});

describe('02-correlated-services', () => {
  it('gives both services’ records one trace ID and one correlation ID', async () => {
    const { dir, stdout } = await run('02-correlated-services/run.ts');
    const checkout = readJsonLines(join(dir, 'checkout.jsonl'));
    const inventory = readJsonLines(join(dir, 'inventory.jsonl'));
    expect(checkout.map((r) => r.event)).toEqual(['checkout_started', 'checkout_completed']);
    expect(inventory.map((r) => r.event)).toEqual(['stock_reserved', 'stock_low']);
    const all = [...checkout, ...inventory];
    expect(new Set(all.map((r) => r.service))).toEqual(new Set(['checkout', 'inventory']));
    expect(all[0].trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(all.map((r) => r.trace_id)).size).toBe(1);
    expect(all[0].correlation_id).toMatch(/^order-\d+$/);
    expect(new Set(all.map((r) => r.correlation_id)).size).toBe(1);
    expect(new Set(all.map((r) => r.request_id)).size).toBe(1);
    expect(stdout).toContain('4 records from 2 services, 1 trace ID.');
  });
});
