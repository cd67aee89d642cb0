/**
 * Rows 4 and 4g. OTLP ingest over HTTP and over gRPC: a collector in its own process, a load
 * generator in another (4 clients on loopback, protobuf requests of 512 records encoded once),
 * records accepted per second and per CPU-second of the collector, and the collector's resident
 * memory under load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_BIN, ensureBuilt } from '../lib/app-runner.ts';
import { resolveOtelcol } from '../lib/otelcol.ts';
import { jsonlPipelineConfig } from '../lib/pipeline.ts';
import { procCpuSeconds, procMemory, sleep } from '../lib/stats.ts';
import type { Row, SubjectResult } from '../lib/types.ts';

const LOAD = fileURLToPath(new URL('../lib/otlp-load.ts', import.meta.url));
const CLIENTS = 4;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

type Transport = 'http' | 'grpc';

/** An empty request over HTTP; over gRPC, the port accepting connections. */
function probe(transport: Transport, port: number): Promise<void> {
  if (transport === 'http')
    return fetch(`http://127.0.0.1:${port}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array(0),
    }).then((res) => res.arrayBuffer().then(() => undefined));
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function waitReady(transport: Transport, port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}`);
    try {
      await probe(transport, port);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error('collector did not open its port');
}

function otelcolConfig(transport: Transport, port: number, path: string): string {
  return `receivers:
  otlp:
    protocols:
      ${transport}:
        endpoint: 127.0.0.1:${port}
processors:
  batch: {}
exporters:
  file:
    path: ${path}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [file]
`;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

const TITLES: Record<Transport, { id: string; title: string; refused: string }> = {
  http: { id: 'otlp', title: '4. OTLP/HTTP ingest', refused: '429/503 answers' },
  grpc: { id: 'otlp-grpc', title: '4g. OTLP/gRPC ingest', refused: 'RESOURCE_EXHAUSTED/UNAVAILABLE answers' },
};

/** The row for one transport: the same subjects, load and measures, the receiver's protocol differs. */
function ingestRow(transport: Transport): Row {
  const { id, title, refused } = TITLES[transport];
  return {
    id,
    title,
    metrics: [
      { key: 'records_per_cpu_s', label: 'records per collector CPU-second', better: 'higher' },
      { key: 'records_per_s', label: 'records/s', better: 'higher' },
      { key: 'collector_cores', label: 'collector cores busy', better: 'none' },
      { key: 'rss_mb', label: 'RSS under load, MB (max sampled)', better: 'lower' },
      { key: 'hwm_mb', label: 'VmHWM, MB', better: 'lower' },
      { key: 'refused', label: refused, better: 'none' },
      { key: 'p99_ms', label: 'request p99 ms', better: 'lower' },
    ],
    subjects: [
      { id: 'unitrack-batch', label: 'unitrack collector: otlp → batch → jsonfile (the otelcol shape)', vs: ['otelcol'] },
      { id: 'unitrack', label: 'unitrack collector: default processors → routing → jsonfile', vs: ['otelcol'] },
      { id: 'otelcol', label: 'otelcol (built from Go modules): otlp → batch → file' },
    ],
    iterations: 8, // seconds measured
    smokeIterations: 1,
    reps: 3,
    goals: [
      {
        text: 'unitrack matches otelcol per core (same shape, records per CPU-second)',
        check: (m) => m['unitrack-batch'] && m.otelcol && m['unitrack-batch'].records_per_cpu_s >= m.otelcol.records_per_cpu_s,
      },
      {
        text: 'unitrack’s RSS under load at most 1.5× otelcol’s (default processors)',
        check: (m) => m.unitrack && m.otelcol && m.unitrack.rss_mb <= 1.5 * m.otelcol.rss_mb,
      },
    ],
    note:
      transport === 'http'
        ? `${CLIENTS} clients (undici, one connection each) in a separate process, 512 records a request, 2 s warm-up (1 s in the smoke run) then the measured seconds; a 429/503 is retried after 10 ms; CPU from /proc/<pid>/stat over the measured window; RSS sampled every 250 ms. Per CPU-second is the per-core comparison (otelcol spreads over both cores).`
        : `As row 4 over OTLP/gRPC: ${CLIENTS} @grpc/grpc-js clients (one HTTP/2 connection each, one call at a time), the same 512-record protobuf requests; RESOURCE_EXHAUSTED/UNAVAILABLE retried after 10 ms.`,
    async run(subject, seconds, { tmpDir, smoke }): Promise<SubjectResult> {
      const port = await freePort();
      let child: ChildProcess;
      if (subject === 'otelcol') {
        if (smoke) return { unavailable: 'not built in smoke runs' };
        const o = resolveOtelcol();
        if ('unavailable' in o) return o;
        const cfg = join(tmpDir, 'otelcol.yaml');
        writeFileSync(cfg, otelcolConfig(transport, port, join(tmpDir, 'otelcol.jsonl')));
        child = spawn(o.bin, ['--config', cfg], { cwd: tmpDir, stdio: ['ignore', 'ignore', 'pipe'] });
      } else {
        const cfg = join(tmpDir, 'unitrack.yaml');
        const config = jsonlPipelineConfig({
          jsonPath: join(tmpDir, 'events.jsonl'),
          endpoint: `127.0.0.1:${port}`,
          bare: subject === 'unitrack-batch',
        });
        // The same pipeline; only the receiver's protocol changes.
        if (transport === 'grpc') config.receivers = { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } };
        writeFileSync(cfg, JSON.stringify(config));
        // The collector as installed: the built JavaScript, not sources stripped at run time.
        ensureBuilt();
        // Through its #! line, as `npx unitrack` runs it (with the V8 flags the line gives), on this Node.
        const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
        child = spawn(BUILT_BIN, ['collector', '--config', cfg], { cwd: tmpDir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      }
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr = (stderr + d).slice(-2000);
      });
      try {
        await waitReady(transport, port, child);
        const pid = child.pid as number;
        const load = spawn(process.execPath, [LOAD, String(port), String(CLIENTS), smoke ? '1' : '2', String(seconds), transport], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        let cpu0 = 0;
        let cpu1 = 0;
        let t0 = 0;
        let t1 = 0;
        let rssMax = 0;
        let sampling = false;
        const sampler = setInterval(() => {
          if (sampling) rssMax = Math.max(rssMax, procMemory(pid).rss);
        }, 250);
        load.stdout.on('data', (d: Buffer) => {
          out += d;
          if (!t0 && out.includes('MEASURE_START')) {
            cpu0 = procCpuSeconds(pid);
            t0 = performance.now();
            sampling = true;
          }
          if (!t1 && out.includes('MEASURE_END')) {
            cpu1 = procCpuSeconds(pid);
            t1 = performance.now();
            sampling = false;
            rssMax = Math.max(rssMax, procMemory(pid).rss);
          }
        });
        const code = await new Promise<number | null>((resolve) => load.once('exit', (c) => resolve(c)));
        clearInterval(sampler);
        const hwm = procMemory(pid).hwm;
        if (code !== 0) throw new Error(`load generator exited with ${code}`);
        const counts = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
        const wall = (t1 - t0) / 1000;
        const cpu = cpu1 - cpu0;
        return {
          records_per_s: counts.accepted / counts.seconds,
          records_per_cpu_s: cpu > 0 ? counts.accepted / cpu : Number.NaN,
          collector_cores: cpu / wall,
          rss_mb: rssMax / 1e6,
          hwm_mb: hwm / 1e6,
          refused: counts.refused,
          errors: counts.errors,
          p99_ms: counts.p99_ms,
        };
      } catch (error) {
        throw new Error(`${(error as Error).message}; collector stderr: ${stderr.slice(-500)}`);
      } finally {
        await stopChild(child);
      }
    },
  };
}

export const otlpIngest: Row = ingestRow('http');
export const otlpGrpcIngest: Row = ingestRow('grpc');
