/**
 * Row 5. Memory: bytes per fingerprint group, bytes per connected dashboard client, and resident
 * memory under sustained load.
 */
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import { dashboardConfig, dashboardFactory } from '../../exporters/dashboard/dashboard-factory.ts';
import { fingerprintConfig, groupStoreOptions } from '../../processors/fingerprint/fingerprint-factory.ts';
import { GroupStore } from '../../processors/fingerprint/group-store.ts';
import { runApp } from '../lib/app-runner.ts';
import { benchEvent, newWord } from '../lib/events.ts';
import { benchHost } from '../lib/records.ts';
import { gc, procMemory, sleep } from '../lib/stats.ts';
import type { Row, SubjectResult } from '../lib/types.ts';
import { freePort } from './otlp-ingest.ts';

const SSE_CLIENTS = fileURLToPath(new URL('../lib/sse-clients.ts', import.meta.url));

function heap(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

export const memoryGroups: Row = {
  id: 'mem-groups',
  title: '5a. Memory per fingerprint group',
  metrics: [
    { key: 'bytes_per_group', label: 'heap bytes/group', better: 'lower' },
    { key: 'rss_bytes_per_group', label: 'RSS bytes/group (incl. SQLite)', better: 'lower' },
    { key: 'groups', label: 'groups', better: 'none' },
  ],
  subjects: [
    { id: 'groupstore', label: 'unitrack GroupStore, every group held in memory (max_groups ≥ N)', vs: ['map'] },
    { id: 'groupstore-default', label: 'unitrack GroupStore, default max_groups 20,000 (the rest in SQLite)', vs: ['map'] },
    { id: 'map', label: 'baseline: a Map of plain {fingerprint, title, message, count, first/last seen, severity}' },
  ],
  iterations: 100_000,
  smokeIterations: 2_000,
  reps: 3,
  note: 'N distinct groups observed once each (two users a group), the store flushed, then heap (heapUsed + external after two GCs) and RSS compared with before. The baseline is the least a group needs, not a product.',
  async run(subject, n, { tmpDir }): Promise<SubjectResult> {
    const now = Date.now();
    const h0 = heap();
    const r0 = procMemory().rss;
    let keep: unknown;
    if (subject === 'map') {
      const m = new Map<string, object>();
      for (let i = 0; i < n; i++) {
        const fp = i.toString(16).padStart(16, '0');
        const g = m.get(fp);
        if (!g)
          m.set(fp, {
            fingerprint: fp,
            title: `feature flag ${newWord(i)} missing`,
            message: `feature flag ${newWord(i)} missing in task ${i}`,
            count: 1,
            firstSeen: now,
            lastSeen: now,
            severity: 'high',
          });
      }
      keep = m;
    } else {
      // The fingerprint processor's defaults (its schema's); groupstore holds every group in memory.
      const defaults = groupStoreOptions(fingerprintConfig.parse({}), join(tmpDir, 'groups.db'));
      const store = new GroupStore({
        ...defaults,
        maxGroups: subject === 'groupstore' ? n * 2 : defaults.maxGroups,
        flushIntervalMs: 3_600_000,
      });
      for (let i = 0; i < n; i++) {
        const fp = i.toString(16).padStart(16, '0');
        const e = benchEvent(i, 1);
        for (const user of [`user-${i % 5000}`, `user-${(i + 1) % 5000}`]) {
          store.observe({
            fingerprint: fp,
            title: `feature flag ${newWord(i)} missing`,
            message: e.message,
            component: e.component,
            category: e.category,
            severity: 'high',
            isError: true,
            user,
            time: now,
            event: () =>
              JSON.stringify({ time: new Date(now).toISOString(), severity: 'high', event: e.event, message: e.message, fingerprint: fp }),
          });
        }
      }
      store.flush();
      keep = store;
    }
    const h1 = heap();
    const r1 = procMemory().rss;
    const result = { bytes_per_group: (h1 - h0) / n, rss_bytes_per_group: (r1 - r0) / n, groups: n };
    if (keep instanceof GroupStore) keep.close();
    return result;
  },
};

export const memoryClients: Row = {
  id: 'mem-clients',
  title: '5b. Memory per dashboard client',
  metrics: [
    { key: 'bytes_per_client', label: 'heap bytes/client', better: 'lower' },
    { key: 'rss_bytes_per_client', label: 'RSS bytes/client', better: 'lower' },
    { key: 'clients', label: 'clients', better: 'none' },
  ],
  subjects: [
    { id: 'dashboard', label: 'unitrack dashboard exporter, clients on /api/stream', vs: ['bare-sse'] },
    { id: 'bare-sse', label: 'baseline: node:http server holding the same SSE responses in a Set' },
  ],
  iterations: 1_000,
  smokeIterations: 20,
  reps: 3,
  note: 'N EventSource-like clients opened from another process; the server process’s heap (heapUsed + external after GC) and RSS before and after, divided by N.',
  async run(subject, n, { tmpDir }): Promise<SubjectResult> {
    let url: string;
    let close: () => Promise<void>;
    if (subject === 'dashboard') {
      const host = benchHost(tmpDir);
      const exporter = dashboardFactory.create({
        id: 'dashboard',
        config: dashboardConfig.parse({ endpoint: '127.0.0.1:0', store: { path: join(tmpDir, 'dash.db') } }),
        host,
      });
      for (let i = 0; i < 100 && !host.shared.get(DASHBOARD_KEY); i++) await sleep(50);
      const shared = host.shared.get(DASHBOARD_KEY) as { url: string } | undefined;
      if (!shared) throw new Error('the dashboard did not listen');
      url = `${shared.url}/api/stream`;
      close = () => exporter.shutdown();
    } else {
      const clients = new Set<ServerResponse>();
      const server = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(': hello\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
      });
      const port = await freePort();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
      url = `http://127.0.0.1:${port}/`;
      close = () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        });
    }
    // One client first, so lazily built state (the page, the stream hub) is not counted per client.
    const warm = spawn(process.execPath, [SSE_CLIENTS, url, '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((r) => warm.stdout.once('data', () => r()));
    await sleep(200);
    const h0 = heap();
    const r0 = procMemory().rss;
    const child = spawn(process.execPath, [SSE_CLIENTS, url, String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const line = await new Promise<string>((r) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) r(out.trim());
      });
    });
    await sleep(500);
    const h1 = heap();
    const r1 = procMemory().rss;
    const open = Number(/OPEN (\d+)/.exec(line)?.[1] ?? 0);
    child.stdin.end();
    warm.stdin.end();
    await sleep(200);
    await close();
    if (open === 0) throw new Error(`no client connected: ${line}`);
    return { bytes_per_client: (h1 - h0) / open, rss_bytes_per_client: (r1 - r0) / open, clients: open };
  },
};

/** Resident memory of a fresh application (the package as built, bench/lib/app.mjs) tracking `rate` events/s. */
function sustained(id: string, title: string, rate: number, seconds: number, longSeconds: number): Row {
  return {
    id,
    title,
    metrics: [
      { key: 'rss_end_mb', label: 'RSS at the end, MB', better: 'lower' },
      { key: 'rss_growth_last_half_pct', label: 'RSS growth over the second half, %', better: 'lower' },
      { key: 'levels_off', label: 'levels off (growth < 5% over the second half)', better: 'none' },
      { key: 'rss_max_mb', label: 'RSS max, MB', better: 'lower' },
      { key: 'events_per_s', label: 'events/s achieved', better: 'none' },
      { key: 'drops', label: 'dropped', better: 'none' },
    ],
    subjects: [
      { id: 'unitrack', label: 'unitrack track(), embedded default pipeline (built)', vs: ['pino'] },
      { id: 'pino', label: 'baseline: pino to a file (sync: false), same events and rate' },
    ],
    iterations: seconds,
    smokeIterations: 2,
    reps: 1,
    goals: [
      { text: 'RSS at most 1.5× pino’s', check: (m) => m.unitrack && m.pino && m.unitrack.rss_end_mb <= 1.5 * m.pino.rss_end_mb },
      { text: 'RSS levels off (growth < 5% over the second half)', check: (m) => m.unitrack && m.unitrack.levels_off === 1 },
    ],
    note: `Events paced at ${rate.toLocaleString('en')}/s (a burst every 10 ms) for ${seconds} s (${longSeconds} s with --long) in a fresh application process; RSS sampled every 5 s (every 0.5 s in short runs). One repetition: the spread column is a single value.`,
    async run(subject, iterations, { tmpDir, long, smoke }): Promise<SubjectResult> {
      const duration = long && !smoke ? longSeconds : iterations;
      const every = duration >= 30 ? 5000 : 500;
      const r = (await runApp(['load', subject, String(rate), String(duration), String(every)], tmpDir)) as unknown as {
        samples: [number, number][];
        sent: number;
        seconds: number;
        dropped: number;
      };
      const end = r.samples[r.samples.length - 1][1];
      const mid = r.samples.find(([t]) => t >= (r.seconds * 1000) / 2)?.[1] ?? r.samples[0][1];
      const growth = ((end - mid) / mid) * 100;
      return {
        rss_end_mb: end / 1e6,
        rss_growth_last_half_pct: growth,
        levels_off: growth < 5 ? 1 : 0,
        rss_max_mb: Math.max(...r.samples.map(([, rss]) => rss)) / 1e6,
        events_per_s: r.sent / r.seconds,
        drops: r.dropped,
      };
    },
  };
}

export const memorySustained = sustained('mem-sustained', '5c. Resident memory under sustained 20,000 events/s', 20_000, 60, 600);
export const memoryModerate = sustained('mem-moderate', '5d. Resident memory at 1,000 events/s', 1_000, 15, 600);
