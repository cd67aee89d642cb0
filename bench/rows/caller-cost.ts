/**
 * Row 1. What one tracking call costs the application's thread: N calls timed in batches of
 * BATCH (the timer read once per batch), the pipeline drained every DRAIN calls (untimed) so the
 * steady state is measured and not a full queue dropping records.
 */

import { startEmbedded } from '../lib/embedded.ts';
import { type BenchEvent, benchEvent, otelAttributes, PINO_LEVEL, SENTRY_LEVEL, SEVERITY_NUMBER, SEVERITY_TEXT } from '../lib/events.ts';
import { mean, quantile } from '../lib/stats.ts';
import type { Row, SubjectResult } from '../lib/types.ts';

const BATCH = 100;
const DRAIN = 1000;
/** Events are made up front (the cost of building them is the application's, not the tracker's). */
const POOL = 4096;
const events: BenchEvent[] = Array.from({ length: POOL }, (_, i) => benchEvent(i));

interface Harness {
  call: (i: number) => void;
  drain: () => Promise<void>;
  drops: () => number;
  stop: () => Promise<void>;
}

async function measure(h: Harness, iterations: number): Promise<SubjectResult> {
  const warmup = Math.max(DRAIN, Math.round(iterations / 5 / DRAIN) * DRAIN);
  const perCall: number[] = [];
  let i = 0;
  for (const measuring of [false, true]) {
    const end = i + (measuring ? Math.max(DRAIN, Math.round(iterations / DRAIN) * DRAIN) : warmup);
    while (i < end) {
      for (let b = 0; b < DRAIN; b += BATCH) {
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < BATCH; k++) h.call(i++);
        const ns = Number(process.hrtime.bigint() - t0) / BATCH;
        if (measuring) perCall.push(ns);
      }
      await h.drain();
    }
  }
  await h.drain();
  const drops = h.drops();
  await h.stop();
  return {
    ns_median: quantile(perCall, 0.5),
    ns_p99: quantile(perCall, 0.99),
    ns_mean: mean(perCall),
    calls: i,
    drops,
  };
}

async function unitrack(tmpDir: string): Promise<Harness> {
  const sdk = await startEmbedded(tmpDir);
  return {
    // A bench event has exactly track()'s fields.
    call: (i) => sdk.track(events[i & (POOL - 1)]),
    drain: () => sdk.flushTracking(),
    drops: () => {
      const t = sdk.sdkTelemetry();
      if (!t) return Number.NaN;
      return t.sum('unitrack_ingest_refused_total') + t.sum('unitrack_sdk_dropped_total') + t.sum('unitrack_exporter_dropped_total');
    },
    stop: () => sdk.shutdownTracking(),
  };
}

async function otel(): Promise<Harness> {
  const { context } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  // A context manager, as any OpenTelemetry set-up (NodeSDK) registers and as initTracking() does.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  let exported = 0;
  let emitted = 0;
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    processors: [
      new BatchLogRecordProcessor({
        exporter: {
          export: (records, done) => {
            exported += records.length;
            done({ code: ExportResultCode.SUCCESS });
          },
          shutdown: async () => {},
          forceFlush: async () => {},
        },
      }),
    ],
  });
  const logger = provider.getLogger('bench');
  return {
    call: (i) => {
      const e = events[i & (POOL - 1)];
      emitted++;
      logger.emit({
        eventName: e.event,
        severityNumber: SEVERITY_NUMBER[e.severity],
        severityText: SEVERITY_TEXT[e.severity],
        body: e.message,
        attributes: otelAttributes(e),
        context: context.active(),
      });
    },
    drain: () => provider.forceFlush(),
    drops: () => emitted - exported,
    stop: () => provider.shutdown(),
  };
}

async function pino(): Promise<Harness> {
  const { default: pino } = await import('pino');
  const dest = pino.destination({ dest: '/dev/null', sync: false });
  const logger = pino(dest);
  return {
    call: (i) => {
      const e = events[i & (POOL - 1)];
      logger[PINO_LEVEL[e.severity]](
        { event: e.event, category: e.category, component: e.component, user: e.user, ...e.metadata },
        e.message,
      );
    },
    drain: () => new Promise<void>((resolve) => dest.flush(() => resolve())),
    drops: () => 0,
    stop: () =>
      new Promise<void>((resolve) => {
        dest.once('close', () => resolve());
        dest.end();
      }),
  };
}

async function sentry(): Promise<Harness> {
  const Sentry = await import('@sentry/node');
  let sent = 0;
  let calls = 0;
  Sentry.init({
    dsn: 'https://public@example.invalid/1',
    defaultIntegrations: false,
    transport: () => ({
      send: async () => {
        sent++;
        return {};
      },
      flush: async () => true,
    }),
  });
  return {
    call: (i) => {
      const e = events[i & (POOL - 1)];
      calls++;
      Sentry.captureMessage(e.message, {
        level: SENTRY_LEVEL[e.severity],
        tags: { event: e.event, category: e.category, component: e.component },
        user: { id: e.user },
        extra: e.metadata,
      });
    },
    drain: async () => {
      await Sentry.flush(5000);
    },
    drops: () => calls - sent,
    stop: async () => {
      await Sentry.close(5000);
    },
  };
}

export const callerCost: Row = {
  id: 'caller',
  title: '1. Caller cost of one tracking call',
  metrics: [
    { key: 'ns_median', label: 'ns/call median', better: 'lower' },
    { key: 'ns_p99', label: 'ns/call p99', better: 'lower' },
    { key: 'drops', label: 'dropped', better: 'none' },
  ],
  subjects: [
    { id: 'unitrack', label: 'unitrack track(), embedded default pipeline', vs: ['otel', 'pino', 'sentry'] },
    { id: 'otel', label: 'OpenTelemetry logger.emit → BatchLogRecordProcessor (no-op exporter)' },
    { id: 'pino', label: 'pino → destination({ sync: false }) to /dev/null' },
    { id: 'sentry', label: '@sentry/node captureMessage, no-op transport' },
  ],
  iterations: 100_000,
  smokeIterations: 2_000,
  goals: [
    {
      text: 'unitrack within 1.25× of bare logger.emit (median)',
      check: (m) => m.unitrack && m.otel && m.unitrack.ns_median <= 1.25 * m.otel.ns_median,
    },
    { text: 'unitrack faster than pino (median)', check: (m) => m.unitrack && m.pino && m.unitrack.ns_median < m.pino.ns_median },
    { text: 'unitrack faster than Sentry (median)', check: (m) => m.unitrack && m.sentry && m.unitrack.ns_median < m.sentry.ns_median },
  ],
  note: `${BATCH} calls timed together, pipeline drained (untimed) every ${DRAIN} calls; p99 is over the ${BATCH}-call batches; a warm-up of a fifth of the calls first.`,
  async run(subject, iterations, { tmpDir }) {
    const h =
      subject === 'unitrack'
        ? await unitrack(tmpDir)
        : subject === 'otel'
          ? await otel()
          : subject === 'pino'
            ? await pino()
            : await sentry();
    return measure(h, iterations);
  },
};
