import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { holdPort, repo, startProcess } from './collector-process.ts';

/**
 * An application with its own HTTP server that tracks 10 events through the embedded pipeline
 * (JSON lines and the dashboard), then reports what it saw and shuts down normally.
 */
const APP = `
import { once } from 'node:events';
import { createServer } from 'node:http';
import { embeddedService, flushTracking, initTracking, shutdownTracking, track } from ${JSON.stringify(pathToFileURL(join(repo, 'sdk', 'index.ts')).href)};
import { DASHBOARD_KEY } from ${JSON.stringify(pathToFileURL(join(repo, 'exporters', 'dashboard', 'dashboard-exporter.ts')).href)};

const [dir, dashboard, jsonl] = process.argv.slice(2);
const app = createServer((_req, res) => res.end('app ok')).listen(0, '127.0.0.1');
await once(app, 'listening');
initTracking({
  dataDir: dir,
  config: {
    receivers: { otlp: {} },
    exporters: { jsonfile: { path: jsonl }, dashboard: { endpoint: dashboard, store: { path: ':memory:' } } },
    service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile', 'dashboard'] } } },
  },
});
for (let i = 0; i < 5; i++) track({ event: 'embedded_event', severity: 'high', category: 'test', message: 'before ' + i });
await flushTracking();
for (let i = 0; i < 5; i++) track({ event: 'embedded_event', severity: 'high', category: 'test', message: 'after ' + i });
await flushTracking();
const service = embeddedService();
const served = await (await fetch('http://127.0.0.1:' + app.address().port + '/')).text();
const url = service?.host.shared.get(DASHBOARD_KEY)?.url;
const health = url ? (await fetch(url + '/healthz')).json() : undefined;
const t = service?.telemetry;
console.log(JSON.stringify({
  served,
  url,
  health: await health,
  errors: { dashboard: t?.value('unitrack_component_errors_total', { component: 'dashboard' }), jsonfile: t?.value('unitrack_component_errors_total', { component: 'jsonfile' }) },
  streamed: t?.value('unitrack_exporter_sent_total', { exporter: 'dashboard' }),
}));
await shutdownTracking();
app.close();
`;

async function runApp(dashboard: string, jsonl?: string) {
  const dir = tempDir();
  const app = join(dir, 'app.mjs');
  writeFileSync(app, APP);
  const p = startProcess(process.execPath, [app, join(dir, 'data'), dashboard, jsonl ?? join(dir, 'events.jsonl')], {
    env: { ...process.env, OTEL_LOG_LEVEL: 'warn' },
  });
  const code = await p.exited;
  const line = p.stdout().trim().split('\n').at(-1) ?? '{}';
  return { code, stderr: p.stderr(), out: JSON.parse(line), jsonl: jsonl ?? join(dir, 'events.jsonl') };
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('embedded start-up', () => {
  it('a dashboard port already taken is said once and counted; the application and the other exporters keep running', async () => {
    const held = await holdPort();
    try {
      const r = await runApp(`127.0.0.1:${held.port}`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.out.served).toBe('app ok');
      expect(occurrences(r.stderr, `cannot listen on 127.0.0.1:${held.port}: address already in use (EADDRINUSE)`), r.stderr).toBe(1);
      expect(occurrences(r.stderr, 'EADDRINUSE')).toBe(1);
      expect(r.stderr).not.toContain('dashboard at');
      expect(r.out.errors.dashboard).toBe(1);
      // The dashboard still stores what it gets (for its API once it can listen); the file has everything.
      expect(r.out.streamed).toBe(10);
      expect(readJsonLines(r.jsonl)).toHaveLength(10);
    } finally {
      held.server.close();
    }
  });

  it("prints the dashboard's URL once when it listens", async () => {
    const r = await runApp('127.0.0.1:0');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('dashboard at'));
    expect(lines).toEqual([`unitrack: dashboard at ${r.out.url}/`]);
    expect(r.out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.out.health).toMatchObject({ status: 'ready', pipelines: { logs: { status: 'ok' } } });
  });

  it('a JSON lines file that cannot be created is said once, naming the path; the dashboard and the application keep running', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const r = await runApp('127.0.0.1:0', join(dir, 'file', 'sub', 'events.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.served).toBe('app ok');
    expect(
      occurrences(
        r.stderr,
        `jsonfile: cannot create directory ${join(dir, 'file', 'sub')}: a part of the path is not a directory (ENOTDIR)`,
      ),
      r.stderr,
    ).toBe(1);
    expect(r.out.errors.jsonfile).toBe(1);
    expect(r.out.streamed).toBe(10);
    expect(r.out.health).toMatchObject({
      status: 'degraded',
      pipelines: {
        logs: { status: 'failed', components: { 'exporter:jsonfile': { status: 'failed' }, 'exporter:dashboard': { status: 'ok' } } },
      },
    });
  });
});
