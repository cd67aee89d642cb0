// An application that logs with pino, unchanged, now also feeding unitrack's pipeline: its records
// are grouped by fingerprint, sampled and routed, beside the JSON lines pino already prints.
//
//   npx node examples/05-pino-bridge/app.ts
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { logs } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import pino from 'pino';
import { unitrackProcessor } from 'unitrack';
import { otelDestination } from './otel-destination.ts';

const dataDir = process.env.UNITRACK_DATA_DIR ?? './data';
const eventsFile = join(dataDir, 'pino-events.jsonl');
const startOffset = existsSync(eventsFile) ? statSync(eventsFile).size : 0; // the file keeps earlier runs

// ── the set-up: an OpenTelemetry LoggerProvider whose one processor is unitrack's whole pipeline,
//    and pino writing to stdout as before AND to that provider.
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'orders-worker' }),
  processors: [unitrackProcessor(join(import.meta.dirname, 'unitrack.yaml'))],
});
// Only needed if the application also calls unitrack's track(): with unitrackProcessor() in use,
// track() emits through the global logs API, so it must know this provider.
logs.setGlobalLoggerProvider(provider);

const log = pino(
  { level: 'debug' },
  pino.multistream([
    { level: 'debug', stream: process.stdout },
    { level: 'debug', stream: otelDestination(provider.getLogger('pino')) },
  ]),
);

// ── the application's logging calls, as they were
log.info('worker started');
for (let i = 1; i <= 10; i++) log.debug({ key: `user:${i}` }, `cache hit for user:${i}`);
for (const orderId of [1041, 1042, 1077, 1100, 1123]) {
  log.error({ err: new Error(`order ${orderId} not found`), orderId }, `failed to load order ${orderId}`);
}
log.warn({ attempt: 3 }, 'payment gateway slow, retry 3 of 5');
log.child({ component: 'mailer' }).error({ err: new Error('connect ETIMEDOUT 10.1.2.3:587') }, 'smtp timeout after 30000 ms');
log.child({ component: 'mailer' }).error({ err: new Error('connect ETIMEDOUT 10.1.2.9:587') }, 'smtp timeout after 45000 ms');

// ── drain unitrack's queues, then show what it made of the logs
await provider.shutdown();

const lines = readFileSync(eventsFile)
  .subarray(startOffset)
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { severity: string; message: string; fingerprint: string; group_count: number });

console.log(`\n== unitrack: ${lines.length} records kept of 19 logged, by fingerprint (${eventsFile}) ==`);
const groups = new Map<string, typeof lines>();
for (const l of lines) groups.set(l.fingerprint, [...(groups.get(l.fingerprint) ?? []), l]);
for (const [fingerprint, records] of groups) {
  const last = records[records.length - 1];
  console.log(
    `${fingerprint}  ${last.severity.padEnd(6)}  count ${String(last.group_count).padStart(2)}  kept ${records.length}  ${records[0].message}`,
  );
}
