// A small application, run as a user runs one: plain JavaScript, the package as built (bench/.build/).
//   node bench/lib/start-up-app.mjs idle <subject> <waitMs>   → {"rss"} after start and one event
//   node bench/lib/start-up-app.mjs first <subject> <events>  → {"first_ms","refused"}
// Subjects: bare, otel (logs SDK + its OTLP/HTTP exporter), sentry, pino, unitrack (embedded default).
import { createServer } from 'node:http';

const [mode, subject, arg] = process.argv.slice(2);
const DIST = new URL('../.build/sdk/index.js', import.meta.url).href;

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
      const logger = pino(pino.destination('/dev/null'));
      return { emit: (i) => logger.info({ order: i }, 'Order placed') };
    }
    case 'unitrack':
    case 'unitrack-noinit': {
      const u = await import(DIST);
      if (subject === 'unitrack') u.initTracking();
      return {
        emit: (i) => u.track({ event: 'order_placed', severity: 'high', message: `Order ${i} placed`, metadata: { order: i } }),
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
