/**
 * Rows 7 and 8. What an application pays for unitrack before it is busy: resident memory at idle
 * (the package as built, against the peers it replaces) and the first track() on the caller's stack.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Row, SubjectResult } from '../lib/types.ts';

const APP = fileURLToPath(new URL('../lib/start-up-app.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT = `${ROOT}bench/.build/sdk/index.js`;

const SOURCES = ['model', 'pipeline', 'receivers', 'processors', 'connectors', 'exporters', 'sdk', 'cli', 'bin', 'collector-config'];

/** The newest modification time among the package's sources (ms). */
function newestSource(): number {
  let newest = 0;
  for (const dir of SOURCES)
    for (const f of readdirSync(`${ROOT}${dir}`, { recursive: true, withFileTypes: true }))
      if (f.isFile()) newest = Math.max(newest, statSync(`${f.parentPath}/${f.name}`).mtimeMs);
  return newest;
}

/** The package as users install it (`npm run build`, into bench/.build/), built when missing or older than a source. */
export function ensureBuilt(): void {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestSource()) return;
  execFileSync(process.execPath, [`${ROOT}scripts/build.ts`, '--out', `${ROOT}bench/.build`], { cwd: ROOT, stdio: 'ignore' });
}

/** Runs the small application once; its last stdout line is its JSON result. */
function runApp(args: string[], tmpDir: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APP, ...args], {
      cwd: tmpDir,
      // Nothing of the caller's: no --import, no inherited diag level; a free dashboard port, files in tmpDir.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, UNITRACK_DATA_DIR: tmpDir, UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`start-up-app ${args.join(' ')} exited ${code}: ${err.trim().slice(-300)}`));
      }
    });
  });
}

const PEERS = [
  { id: 'otel', label: 'OpenTelemetry logs SDK + its OTLP/HTTP exporter' },
  { id: 'sentry', label: '@sentry/node (init, captureMessage)' },
  { id: 'pino', label: 'pino to a file' },
];

export const idleMemory: Row = {
  id: 'idle',
  title: '7. Idle overhead: resident memory over a bare HTTP server',
  metrics: [
    { key: 'overhead_mb', label: 'RSS over bare (MB)', better: 'lower' },
    { key: 'rss_mb', label: 'RSS (MB)', better: 'none' },
    { key: 'bare_mb', label: 'bare RSS (MB)', better: 'none' },
  ],
  subjects: [{ id: 'unitrack', label: 'unitrack, embedded default (initTracking, built)', vs: ['otel', 'sentry', 'pino'] }, ...PEERS],
  iterations: 5000,
  smokeIterations: 300,
  reps: 3,
  goals: [
    {
      text: 'unitrack at most 2× the OpenTelemetry logs SDK’s overhead',
      check: (m) => m.unitrack && m.otel && m.unitrack.overhead_mb <= 2 * m.otel.overhead_mb,
    },
    {
      text: 'unitrack below @sentry/node’s overhead',
      check: (m) => m.unitrack && m.sentry && m.unitrack.overhead_mb < m.sentry.overhead_mb,
    },
  ],
  note: 'Each repetition starts a bare HTTP server and the subject (the same server, the library set up, one event) as fresh processes, and reads their RSS after the iterations’ milliseconds (5 s); the overhead is the difference. unitrack runs as installed: the built JavaScript (`npm run build`, into bench/.build/).',
  async run(subject, waitMs, { tmpDir }): Promise<SubjectResult> {
    ensureBuilt();
    const bare = await runApp(['idle', 'bare', String(waitMs)], tmpDir);
    const it = await runApp(['idle', subject, String(waitMs)], tmpDir);
    const mb = (b: number) => b / 1e6;
    return { overhead_mb: mb(it.rss - bare.rss), rss_mb: mb(it.rss), bare_mb: mb(bare.rss) };
  },
};

export const firstTrack: Row = {
  id: 'first',
  title: '8. The first event on the caller’s stack, and the events that arrive while the pipeline starts',
  metrics: [
    { key: 'first_ms', label: 'first call (ms)', better: 'lower' },
    { key: 'refused', label: 'events refused while starting', better: 'none' },
  ],
  subjects: [
    { id: 'unitrack', label: 'unitrack: track() right after initTracking() (built)', vs: ['otel', 'pino'] },
    { id: 'unitrack-noinit', label: 'unitrack: track() with no initTracking() (the default pipeline starts with it)', vs: ['otel'] },
    { id: 'otel', label: 'OpenTelemetry logs SDK: first logger.emit()' },
    { id: 'pino', label: 'pino: first logger.info()' },
  ],
  iterations: 1000,
  smokeIterations: 100,
  reps: 5,
  goals: [
    { text: 'the first track() after start ≤ 1 ms', check: (m) => m.unitrack && m.unitrack.first_ms <= 1 },
    { text: 'no event refused while the pipeline starts', check: (m) => m.unitrack && m.unitrack.refused === 0 },
  ],
  note: 'A fresh process per repetition: the library set up, then the first call timed alone, then the rest of the iterations at once, with no wait: they arrive while the pipeline is still starting; after a flush, the events refused or dropped unstarted are counted.',
  async run(subject, events, { tmpDir }): Promise<SubjectResult> {
    ensureBuilt();
    return runApp(['first', subject, String(events)], tmpDir);
  },
};
