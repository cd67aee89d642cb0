// Where the embedded default's memory is under load: app.mjs's paced load (the package as built,
// bench/.build/), with each sample broken down by holder, per thread. Not a row: a tool for rows 5c/5d.
//   node bench/lib/mem-probe.mjs <events/s> <seconds> [snapshot seconds, e.g. 20,50]
// Run it in a scratch directory with UNITRACK_DATA_DIR set there (and UNITRACK_DASHBOARD_ENDPOINT=127.0.0.1:0).
// Each sample (stderr, one JSON line, MB): rss = anon (heaps, malloc: SQLite's page caches, the worker's
// isolate) + file (the node binary and libraries); the main heap and its spaces; the group writer's
// heap as total/used/malloced. Snapshots (after a full GC) land in the working directory: compare them
// by constructor in DevTools. Timing and RSS after a snapshot are not representative: the snapshot
// itself stalls the pipeline and leaves malloc'd memory behind.
// MEM_PROBE_SAMPLE_MS (default 5000); MEM_PROBE_ALLOC=<from>,<to> writes alloc.json: a sampled heap
// profile of every allocation between those seconds (MEM_PROBE_MINOR=0: only what survived a scavenge),
// for DevTools' Memory tab or a script over its tree of call frames.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { syncBuiltinESMExports } from 'node:module';
import v8 from 'node:v8';
import wt from 'node:worker_threads';

// The package's workers, to read their heaps: Worker is wrapped before the package imports it.
const workers = [];
const Worker = wt.Worker;
wt.Worker = class extends Worker {
  constructor(...args) {
    super(...args);
    workers.push(this);
  }
};
syncBuiltinESMExports();

const [rate, seconds] = [Number(process.argv[2]), Number(process.argv[3])];
const snapshots = (process.argv[4] ?? '').split(',').filter(Boolean).map(Number);
const sampleMs = Number(process.env.MEM_PROBE_SAMPLE_MS ?? 5000);
const alloc = process.env.MEM_PROBE_ALLOC?.split(',').map(Number);
const u = await import(new URL('../.build/sdk/index.js', import.meta.url).href);
const { benchEvent } = await import(new URL('../.build/bench-events.js', import.meta.url).href);
u.initTracking();
createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');

const MB = (bytes) => Math.round(bytes / 104857.6) / 10;

function smaps() {
  const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { anon: Math.round(kb('Anonymous') / 1024), file: Math.round((kb('Rss') - kb('Anonymous')) / 1024) };
}

async function sample(t) {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, MB(s.space_size)]));
  const worker = [];
  for (const w of workers) {
    try {
      const h = await w.getHeapStatistics();
      worker.push(`${MB(h.total_heap_size)}/${MB(h.used_heap_size)}/${MB(h.malloced_memory + h.external_memory)}`);
    } catch {
      // Exited.
    }
  }
  const row = { t, rss: MB(m.rss), ...smaps(), heapTotal: MB(m.heapTotal), heapUsed: MB(m.heapUsed), external: MB(m.external) };
  Object.assign(row, { arrayBuffers: MB(m.arrayBuffers), new: spaces.new_space, old: spaces.old_space, code: spaces.code_space });
  Object.assign(row, { largeObjects: spaces.large_object_space, worker: worker.join(' ') });
  console.error(JSON.stringify(row));
}

const session = new Session();
session.connect();
let profiling = 'before';
const t0 = performance.now();
let sent = 0;
let nextSample = 0;
// Paced as app.mjs paces: every 10 ms, the events due by then.
for (let elapsed = 0; elapsed < seconds * 1000; elapsed = performance.now() - t0) {
  const due = Math.floor((elapsed / 1000) * rate);
  while (sent < due) u.track(benchEvent(sent++));
  if (elapsed >= nextSample) {
    await sample(Math.round(elapsed / 1000));
    nextSample += sampleMs;
    if (snapshots.length && elapsed / 1000 >= snapshots[0]) {
      snapshots.shift();
      console.error('snapshot', v8.writeHeapSnapshot(`mem-${rate}-${Math.round(elapsed / 1000)}s.heapsnapshot`));
    }
  }
  if (alloc && profiling === 'before' && elapsed / 1000 >= alloc[0]) {
    profiling = 'on';
    const includeObjectsCollectedByMinorGC = process.env.MEM_PROBE_MINOR !== '0';
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC,
    });
  } else if (alloc && profiling === 'on' && elapsed / 1000 >= alloc[1]) {
    profiling = 'done';
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync('alloc.json', JSON.stringify({ profile, events: Math.round(rate * (alloc[1] - alloc[0])) }));
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await sample(Math.round((performance.now() - t0) / 1000));
const t = u.sdkTelemetry();
console.error(
  JSON.stringify({
    sent,
    refused: t.sum('unitrack_ingest_refused_total'),
    dropped: t.sum('unitrack_sdk_dropped_total') + t.sum('unitrack_exporter_dropped_total'),
  }),
);
process.exit(0);
