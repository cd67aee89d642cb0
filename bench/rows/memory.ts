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
import { Telemetry } from '../../model/telemetry.ts';
import { fingerprintConfig, groupStoreOptions } from '../../processors/fingerprint/fingerprint-factory.ts';
import { GroupStore } from '../../processors/fingerprint/group-store.ts';
import { startEmbedded } from '../lib/embedded.ts';
import { benchEvent, newWord, PINO_LEVEL } from '../lib/events.ts';
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

export const memorySustained: Row = {
  id: 'mem-sustained',
  title: '5c. Resident memory under sustained 20,000 events/s',
  metrics: [
    { key: 'rss_end_mb', label: 'RSS at the end, MB', better: 'lower' },
    { key: 'rss_growth_last_half_pct', label: 'RSS growth over the second half, %', better: 'lower' },
    { key: 'levels_off', label: 'levels off (growth < 5% over the second half)', better: 'none' },
    { key: 'rss_max_mb', label: 'RSS max, MB', better: 'lower' },
    { key: 'events_per_s', label: 'events/s achieved', better: 'none' },
    { key: 'drops', label: 'dropped', better: 'none' },
  ],
  subjects: [
    { id: 'unitrack', label: 'unitrack track(), embedded default pipeline', vs: ['pino'] },
    { id: 'pino', label: 'baseline: pino to a file (sync: false), same events and rate' },
  ],
  iterations: 60, // seconds; --long: 600
  smokeIterations: 2,
  reps: 1,
  note: 'Events paced at 20,000/s (a burst every 10 ms) for 60 s (600 s with --long); RSS sampled every 5 s (every 0.5 s in short runs). One repetition: the spread column is a single value.',
  async run(subject, seconds, { tmpDir, long, smoke }): Promise<SubjectResult> {
    const duration = long && !smoke ? 600 : seconds;
    const RATE = 20_000;
    let call: (i: number) => void;
    let drops = () => 0;
    let stop: () => Promise<void>;
    if (subject === 'unitrack') {
      const sdk = await startEmbedded(tmpDir);
      call = (i) => sdk.track(benchEvent(i));
      drops = () => {
        const t = sdk.sdkTelemetry() ?? new Telemetry();
        return t.sum('unitrack_ingest_refused_total') + t.sum('unitrack_sdk_dropped_total') + t.sum('unitrack_exporter_dropped_total');
      };
      stop = () => sdk.shutdownTracking();
    } else {
      const { default: pino } = await import('pino');
      const dest = pino.destination({ dest: join(tmpDir, 'pino.jsonl'), sync: false });
      const logger = pino(dest);
      call = (i) => {
        const e = benchEvent(i);
        logger[PINO_LEVEL[e.severity]](
          { event: e.event, category: e.category, component: e.component, user: e.user, ...e.metadata },
          e.message,
        );
      };
      stop = () =>
        new Promise<void>((r) => {
          dest.once('close', () => r());
          dest.end();
        });
    }
    const every = duration >= 30 ? 5000 : 500;
    const samples: { t: number; rss: number }[] = [];
    const t0 = performance.now();
    let sent = 0;
    let nextSample = 0;
    while (true) {
      const elapsed = performance.now() - t0;
      if (elapsed >= duration * 1000) break;
      const target = Math.floor((elapsed / 1000) * RATE);
      while (sent < target) call(sent++);
      if (elapsed >= nextSample) {
        samples.push({ t: elapsed, rss: procMemory().rss });
        nextSample += every;
      }
      await sleep(10);
    }
    const seconds_ = (performance.now() - t0) / 1000;
    samples.push({ t: seconds_ * 1000, rss: procMemory().rss });
    const end = samples[samples.length - 1].rss;
    const mid = samples.find((s) => s.t >= (seconds_ * 1000) / 2)?.rss ?? samples[0].rss;
    const growth = ((end - mid) / mid) * 100;
    const d = drops();
    await stop();
    return {
      rss_end_mb: end / 1e6,
      rss_growth_last_half_pct: growth,
      levels_off: growth < 5 ? 1 : 0,
      rss_max_mb: Math.max(...samples.map((s) => s.rss)) / 1e6,
      events_per_s: sent / seconds_,
      drops: d,
    };
  },
};
