/**
 * Rows 7 and 8. What an application pays for unitrack before it is busy: resident memory at idle
 * (the package as built, against the peers it replaces) and the first track() on the caller's stack.
 */
import { runApp } from '../lib/app-runner.ts';
import type { Row, SubjectResult } from '../lib/types.ts';

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
    return runApp(['first', subject, String(events)], tmpDir);
  },
};
