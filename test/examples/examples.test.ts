// Runs every example as its user would: copied into an application that installed the packed
// tarball (so `import … from 'unitrack'` is the package, not the checkout), run as a child process
// on this Node with its data in a temp dir and its ports free ones; then checks what it produced.
// The working directory is the temp dir too, so nothing an example writes can land in the
// repository. Nothing is shared between the examples, so they run concurrently.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedApp } from '../helpers/packed-app.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

let examples: string;
/** The installed package's `unitrack` command and its default config. */
let bin: string;
let defaultConfig: string;
const children: ChildProcess[] = [];

const dirs: string[] = [];

beforeAll(async () => {
  const app = await packedApp();
  examples = join(app.dir, 'examples');
  cpSync(join(import.meta.dirname, '..', '..', 'examples'), examples, { recursive: true });
  bin = join(app.dir, 'node_modules', '.bin', 'unitrack');
  defaultConfig = join(app.dir, 'node_modules', 'unitrack', 'dist', 'collector-config', 'default.yaml');
}, 300_000);

afterAll(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp dir for one example run, removed after the file. */
function scratch(): string {
  const dir = tempDir('unitrack-example-');
  dirs.push(dir);
  return dir;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function start(file: string, args: string[], env: Record<string, string>, cwd: string): Run {
  const child = spawn(process.execPath, [file, ...args], {
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
  const cwd = scratch();
  const r = start(join(examples, script), args, { UNITRACK_DATA_DIR: cwd, ...env }, cwd);
  const [code] = await once(r.child, 'exit');
  if (code !== 0) throw new Error(`${script} exited ${code}\n--- stdout\n${r.stdout()}\n--- stderr\n${r.stderr()}`);
  return { dir: cwd, stdout: r.stdout(), stderr: r.stderr() };
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Polls until `check` returns a value; the test's timeout bounds the wait. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(50);
  }
}

/** `unitrack collector` on free ports with its data in `dir`; resolves once it is listening. */
async function startCollector(dir: string, config = defaultConfig) {
  const [otlp, dashboard] = [await freePort(), await freePort()];
  const r = start(
    bin,
    ['collector', '--config', config],
    {
      UNITRACK_DATA_DIR: dir,
      UNITRACK_OTLP_ENDPOINT: `127.0.0.1:${otlp}`,
      UNITRACK_DASHBOARD_ENDPOINT: `127.0.0.1:${dashboard}`,
      UNITRACK_WEBHOOK_URL: '',
      UNITRACK_DASHBOARD_TOKEN: '',
    },
    dir,
  );
  await eventually(async () => (r.stderr().includes('collector running') ? true : r.child.exitCode === null ? undefined : fail(r)));
  const stop = async () => {
    const exited = once(r.child, 'exit');
    r.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  };
  return { endpoint: `http://127.0.0.1:${otlp}`, dashboard: `http://127.0.0.1:${dashboard}`, stop };
}

function fail(r: Run): never {
  throw new Error(`exited ${r.child.exitCode}\n--- stdout\n${r.stdout()}\n--- stderr\n${r.stderr()}`);
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

interface Group {
  title: string;
  count: number;
  severity: string;
}

describe.concurrent('examples', () => {
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

  describe('03-otlp-to-collector', () => {
    it('sends OTLP to unitrack collector, whose dashboard API shows the groups and events', async () => {
      const dir = scratch();
      const collector = await startCollector(dir);
      const { stdout } = await run('03-otlp-to-collector/app.ts', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint });
      const traceId = /\(trace ([0-9a-f]{32})\)/.exec(stdout)?.[1];
      expect(stdout).toContain(`sent 72 events to ${collector.endpoint}`);

      // The collector takes the batch at once and processes it on a later turn: wait for it to show.
      const groups = await eventually(async () => {
        const { groups } = await getJson<{ groups: Group[] }>(`${collector.dashboard}/api/groups`);
        return groups.find((g) => g.title.startsWith('TypeError') && g.count === 20) && groups.some((g) => g.severity === 'critical')
          ? groups
          : undefined;
      });
      expect(groups.find((g) => g.title.startsWith('TypeError'))).toMatchObject({
        title: 'TypeError: row <NUM>: price <NUM> is not a number',
        severity: 'high',
      });
      const { events } = await getJson<{ events: Record<string, unknown>[] }>(`${collector.dashboard}/api/events?limit=500`);
      expect(events.filter((e) => e.event === 'import_row_failed')).toHaveLength(20);
      expect(events.find((e) => e.event === 'mcp_server_failed')).toMatchObject({ severity: 'critical', service: 'shop-importer' });
      // info is sampled at 10 % per trace, each product its own trace: some, never all 50 (probability 1e-49)
      expect(events.filter((e) => e.event === 'product_imported').length).toBeLessThan(50);
      const trace = await getJson<{ events: { trace_id: string }[] }>(`${collector.dashboard}/api/traces/${traceId}`);
      expect(trace.events).toHaveLength(22);
      await collector.stop();
    });
  });

  describe('03-otlp-to-collector, nothing listening', () => {
    it('says that nothing was delivered and exits 1, instead of claiming it sent', async () => {
      const cwd = scratch();
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const r = start(join(examples, '03-otlp-to-collector/app.ts'), [], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, cwd);
      const [code] = await once(r.child, 'exit');
      expect(code).toBe(1);
      expect(r.stdout()).toContain(`sent 0 events to ${endpoint}`);
      expect(r.stdout()).toContain('72 could not be delivered');
      expect(r.stderr()).toContain(`${endpoint}/v1/logs`);
    });
  });

  describe('04-otelcol-gateway', () => {
    // The example runs otelcol (built by scripts/build-otelcol.sh, which needs Go) in front of
    // unitrack. npm test runs no otelcol: this checks the application part only, sending straight to
    // unitrack collector on the example's own unitrack.yaml (which the gateway would feed).
    it('app sends its events over OTLP to unitrack collector on the example’s config', async () => {
      const dir = scratch();
      const collector = await startCollector(dir, join(examples, '04-otelcol-gateway', 'unitrack.yaml'));
      const { stdout } = await run('04-otelcol-gateway/app.ts', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint });
      expect(stdout).toContain(`sent 6 events (4 below high, 2 high or critical) to ${collector.endpoint}`);
      const events = await eventually(async () => {
        const { events } = await getJson<{ events: Record<string, unknown>[] }>(`${collector.dashboard}/api/events`);
        return events.length === 6 ? events : undefined;
      });
      expect(events.find((e) => e.event === 'ledger_unavailable')).toMatchObject({
        severity: 'critical',
        service: 'payments',
        error: { message: 'ledger database unreachable' },
      });
      expect(new Set(events.map((e) => e.trace_id)).size).toBe(1);
      await collector.stop();
      expect(readJsonLines(join(dir, 'events.jsonl'))).toHaveLength(6);
    });
  });

  describe('05-pino-bridge', () => {
    it('groups, samples and routes pino’s records without changing the logging calls', async () => {
      const { dir, stdout } = await run('05-pino-bridge/app.ts');
      // pino still prints its own lines
      expect(stdout.split('\n').filter((l) => l.startsWith('{"level":'))).toHaveLength(19);

      const lines = readJsonLines(join(dir, 'pino-events.jsonl'));
      const orders = lines.filter((l) => String(l.message).startsWith('failed to load order'));
      expect(orders).toHaveLength(5);
      expect(new Set(orders.map((l) => l.fingerprint)).size).toBe(1);
      expect(orders.map((l) => l.group_count)).toEqual([1, 2, 3, 4, 5]);
      expect(orders[0]).toMatchObject({
        severity: 'high',
        service: 'orders-worker',
        error: { type: 'Error', message: 'order 1041 not found' },
        attributes: { orderId: 1041 },
      });
      const smtp = lines.filter((l) => String(l.message).startsWith('smtp timeout'));
      expect(smtp.map((l) => l.component)).toEqual(['mailer', 'mailer']);
      expect(new Set(smtp.map((l) => l.fingerprint)).size).toBe(1);
      // debug: only the new group's first record is kept
      expect(lines.filter((l) => l.severity === 'debug').map((l) => l.message)).toEqual(['cache hit for user:1']);
      expect(lines.find((l) => l.message === 'payment gateway slow, retry 3 of 5')).toMatchObject({ severity: 'medium' });
      expect(lines).toHaveLength(10);

      const days = readdirSync(join(dir, 'pino-blog')).filter((f) => f.endsWith('.md'));
      const blog = readFileSync(join(dir, 'pino-blog', days[0]), 'utf8');
      expect(blog).toContain('failed to load order 1041 · repeated 5×');
      expect(blog).not.toContain('payment gateway slow');
      expect(stdout).toContain('10 records kept of 19 logged');
    });
  });

  describe('06-migrating-from-silos', () => {
    it('before.ts reports to each silo by hand', async () => {
      const { dir, stdout } = await run('06-migrating-from-silos/before.ts');
      const log = readFileSync(join(dir, 'before', 'events.log'), 'utf8')
        .trim()
        .split('\n');
      expect(log.map((l) => JSON.parse(l).type)).toEqual(['order_placed', 'payment_failed', 'mcp_server_failed', 'health_ok']);
      expect(stdout).toContain('2 webhook posts, 3 dashboard-tracker calls');
    });

    it('after.ts feeds every destination from one track() per event', async () => {
      const dashboard = `127.0.0.1:${await freePort()}`;
      const { dir, stdout } = await run('06-migrating-from-silos/after.ts', {
        UNITRACK_DASHBOARD_ENDPOINT: dashboard,
        UNITRACK_WEBHOOK_URL: '', // empty: after.ts uses its own stand-in receiver
        UNITRACK_WEBHOOK_SECRET: '',
      });
      const lines = readJsonLines(join(dir, 'after', 'events.jsonl'));
      expect(lines.map((l) => l.event)).toEqual(['order_placed', 'payment_failed', 'mcp_server_failed', 'health_ok']);
      expect(lines[1]).toMatchObject({
        severity: 'high',
        correlation_id: 'order-1234',
        user: 'user-7',
        error: { message: 'card declined' },
      });
      expect((lines[1].error as { stack: string }).stack).toContain('Caused by: Error: issuer timeout');
      expect(stdout).toContain('2 unitrack.alert notifications (high and critical only)');
      expect(stdout).toContain(`http://${dashboard}, latest events: health_ok, mcp_server_failed, payment_failed, order_placed`);
      const [day] = readdirSync(join(dir, 'after', 'blog'));
      const blog = readFileSync(join(dir, 'after', 'blog', day), 'utf8');
      expect(blog).toContain('payment_failed — Payment failed for order 1234');
      expect(blog).not.toContain('order_placed');
    });
  });
});
