// A small application, run as a user runs one: plain JavaScript, the package as built (bench/.build/).
//   node bench/lib/app.mjs idle <subject> <waitMs>   → {"rss"} after start and one event
//   node bench/lib/app.mjs first <subject> <events>  → {"first_ms","refused"}
//   node bench/lib/app.mjs load <subject> <events/s> <seconds> <sampleMs>  → RSS samples under paced load
// Subjects: bare, otel (logs SDK + its OTLP/HTTP exporter), sentry, pino, unitrack (embedded default).
import { createServer } from 'node:http';

const [mode, subject, arg] = process.argv.slice(2);
const DIST = new URL('../.build/sdk/index.js', import.meta.url).href;
const EVENTS = new URL('../.build/bench-events.js', import.meta.url).href;

async function setUp() {
  switch (subject) {
    case 'bare':
      return { emit: () => {} };
    case 'otel': {
      const { LoggerProvider, BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
      const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
      const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor(new OTLPLogExporter())] });
      const logger = provider.getLogger('app');
      return { emit: (i) => logger.emit({ body: `Order ${i} placed`, severityText: 'INFO', attributes: { 'order.id': i } }) };
    }
    case 'sentry': {
      const Sentry = await import('@sentry/node');
      // A DSN nothing listens on: the SDK runs as configured, its sends fail quietly.
      Sentry.init({ dsn: 'https://public@127.0.0.1:9/1' });
      return { emit: (i) => Sentry.captureMessage(`Order ${i} placed`, { level: 'info', extra: { order: i } }) };
    }
    case 'pino': {
      const pino = (await import('pino')).default;
      if (mode !== 'load') {
        const logger = pino(pino.destination('/dev/null'));
        return { emit: (i) => logger.info({ order: i }, 'Order placed') };
      }
      // Under load, the same events as unitrack's, to a file, asynchronously (pino's fast mode).
      const { benchEvent, PINO_LEVEL } = await import(EVENTS);
      const logger = pino(pino.destination({ dest: 'pino.jsonl', sync: false }));
      return {
        emit: (i) => {
          const e = benchEvent(i);
          logger[PINO_LEVEL[e.severity]](
            { event: e.event, category: e.category, component: e.component, user: e.user, ...e.metadata },
            e.message,
          );
        },
      };
    }
    case 'unitrack':
    case 'unitrack-noinit': {
      const u = await import(DIST);
      if (subject === 'unitrack') u.initTracking();
      const { benchEvent } = mode === 'load' ? await import(EVENTS) : {};
      return {
        emit:
          mode === 'load'
            ? (i) => u.track(benchEvent(i))
            : (i) => u.track({ event: 'order_placed', severity: 'high', message: `Order ${i} placed`, metadata: { order: i } }),
        dropped: () => {
          const t = u.sdkTelemetry();
          return t.sum('unitrack_ingest_refused_total') + t.sum('unitrack_sdk_dropped_total') + t.sum('unitrack_exporter_dropped_total');
        },
        refused: async () => {
          await u.flushTracking();
          const t = u.sdkTelemetry();
          return t.value('unitrack_ingest_refused_total') + t.value('unitrack_sdk_unstarted_dropped_total');
        },
      };
    }
    default:
      throw new Error(`unknown subject ${subject}`);
  }
}

const app = await setUp();
const server = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
if (mode === 'idle') {
  app.emit(0);
  setTimeout(() => {
    console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
    process.exit(0);
  }, Number(arg));
} else if (mode === 'load') {
  const [rate, seconds, sampleMs] = [Number(arg), Number(process.argv[5]), Number(process.argv[6])];
  const samples = [];
  const t0 = performance.now();
  let sent = 0;
  let nextSample = 0;
  // Paced: every 10 ms, the events due by then.
  for (let elapsed = 0; elapsed < seconds * 1000; elapsed = performance.now() - t0) {
    const due = Math.floor((elapsed / 1000) * rate);
    while (sent < due) app.emit(sent++);
    if (elapsed >= nextSample) {
      samples.push([Math.round(elapsed), process.memoryUsage().rss]);
      nextSample += sampleMs;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const took = (performance.now() - t0) / 1000;
  samples.push([Math.round(took * 1000), process.memoryUsage().rss]);
  console.log(JSON.stringify({ samples, sent, seconds: took, dropped: app.dropped?.() ?? 0 }));
  process.exit(0);
} else {
  const started = performance.now();
  app.emit(0);
  const first = performance.now() - started;
  // Events that arrive while the pipeline starts are queued, not dropped.
  for (let i = 1; i < Number(arg); i++) app.emit(i);
  const refused = (await app.refused?.()) ?? 0;
  console.log(JSON.stringify({ first_ms: first, refused }));
  server.close();
  process.exit(0);
}
