/**
 * Records per second through unitrack's processors, alone and chained as in the default pipeline:
 * redaction → fingerprint (when built) → sampler → rate_limiter → routing.
 * Run: node --expose-gc bench/processors.bench.ts [records]
 */
import { type Attributes, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Host, ProcessorFactory } from '../collector/component.ts';
import { defaultRegistry } from '../collector/components.ts';
import { PipelineRecord } from '../collector/record.ts';
import { routingFactory } from '../collector/routing/routing-factory.ts';
import { Telemetry } from '../collector/telemetry.ts';
import { rateLimiterFactory } from '../processors/rate-limiter/rate-limiter-factory.ts';
import { redactionFactory } from '../processors/redaction/redaction-factory.ts';
import { samplerFactory } from '../processors/sampler/sampler-factory.ts';
import { ATTR_CATEGORY, ATTR_COMPONENT, ATTR_EXCEPTION_MESSAGE, ATTR_FINGERPRINT, ATTR_USER_ID } from '../sdk/attributes.ts';
import { SEVERITIES, SEVERITY_NUMBER, SEVERITY_TEXT } from '../sdk/severity.ts';

const N = Number(process.argv[2] ?? 200_000);
const RUNS = 5;

const host: Host = {
  mode: 'embedded',
  telemetry: new Telemetry(),
  dataDir: 'data',
  shared: new Map(),
  reportError: () => {},
};

const counted = { n: 0 };
const sink: LogRecordProcessor = {
  onEmit: () => {
    counted.n++;
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

const fingerprintFactory = defaultRegistry().find('processor', 'fingerprint') as ProcessorFactory | undefined;

function make(factory: ProcessorFactory, raw: unknown, next: LogRecordProcessor): LogRecordProcessor {
  return factory.create({ id: factory.type, config: factory.config.parse(raw), host }, next);
}

function routing(next: LogRecordProcessor): LogRecordProcessor {
  const config = routingFactory.config.parse({
    default_pipelines: ['logs/archive'],
    table: [
      {
        context: 'log',
        condition: 'attributes["unitrack.alert.reason"] != nil and severity_number >= SEVERITY_NUMBER_WARN',
        pipelines: ['logs/notify', 'logs/blog', 'logs/archive'],
      },
      { context: 'log', condition: 'attributes["unitrack.alert.reason"] != nil', pipelines: ['logs/notify', 'logs/archive'] },
      { context: 'log', condition: 'severity_number >= SEVERITY_NUMBER_WARN', pipelines: ['logs/blog', 'logs/archive'] },
    ],
  });
  const routes = new Map([
    ['logs/notify', next],
    ['logs/blog', next],
    ['logs/archive', next],
  ]);
  return routingFactory.create({ id: 'routing', config, host }, routes);
}

const resource = resourceFromAttributes({ 'service.name': 'bench', 'service.version': '1.0.0' });
const MESSAGES = [
  (i: number) => `Memory server failed to respond after ${i % 900}ms`,
  (i: number) => `user ${i % 5000} logged in from 10.0.${i % 255}.${(i * 7) % 255}`,
  (i: number) => `GET /api/items/${i} returned 502`,
  (i: number) => `payment ${i} declined for card ending ${1000 + (i % 9000)}`,
  (i: number) => `cache miss for key item:${i}`,
  // A few carry secrets.
  (i: number) => `request https://api.example.com/v1?api_key=sk_${i}abc failed with Authorization Bearer abcdef${i}xyz`,
];

/** Record number i of the input. */
function record(i: number, withFingerprint: boolean, secrets: boolean): PipelineRecord {
  {
    const severity = SEVERITIES[i % 7 === 0 ? 5 : i % 6];
    const kind = secrets && i % 20 === 0 ? 5 : i % 5;
    const attributes: Attributes = {
      [ATTR_CATEGORY]: ['mcp', 'task', 'health', 'dashboard'][i % 4],
      [ATTR_COMPONENT]: `component_${i % 12}`,
      [ATTR_USER_ID]: `user-${i % 5000}`,
      'http.route': '/api/items/:id',
      'http.status_code': 502,
    };
    if (kind === 5) attributes.password = 'hunter2';
    if (severity === 'high' || severity === 'critical') attributes[ATTR_EXCEPTION_MESSAGE] = MESSAGES[kind](i);
    if (withFingerprint) attributes[ATTR_FINGERPRINT] = `${(i % 1000).toString(16).padStart(16, '0')}`;
    return new PipelineRecord({
      hrTime: [1_700_000_000 + (i >> 10), 0],
      resource,
      instrumentationScope: { name: 'unitrack' },
      severityNumber: SEVERITY_NUMBER[severity],
      severityText: SEVERITY_TEXT[severity],
      body: MESSAGES[kind](i),
      eventName: `event_${kind}`,
      attributes,
      spanContext:
        i % 2 === 0
          ? {
              traceId: (i * 2654435761).toString(16).padStart(32, '0').slice(-32),
              spanId: '00f067aa0ba902b7',
              traceFlags: TraceFlags.SAMPLED,
            }
          : undefined,
    });
  }
}

interface Case {
  name: string;
  build: () => LogRecordProcessor;
  /** Records already carry a fingerprint (stages after the fingerprint processor). */
  fingerprinted: boolean;
  /** One record in 20 carries secrets (a password attribute, an API key and a bearer token in its text). Default true. */
  secrets?: boolean;
}

const cases: Case[] = [
  { name: 'redaction', build: () => make(redactionFactory, {}, sink), fingerprinted: false },
  { name: 'redaction, no secrets in the input', build: () => make(redactionFactory, {}, sink), fingerprinted: false, secrets: false },
  ...(fingerprintFactory ? [{ name: 'fingerprint', build: () => make(fingerprintFactory, {}, sink), fingerprinted: false }] : []),
  { name: 'sampler', build: () => make(samplerFactory, {}, sink), fingerprinted: true },
  { name: 'rate_limiter', build: () => make(rateLimiterFactory, {}, sink), fingerprinted: true },
  { name: 'routing', build: () => routing(sink), fingerprinted: true },
  {
    name: fingerprintFactory
      ? 'redaction → fingerprint → sampler → rate_limiter → routing'
      : 'redaction → sampler → rate_limiter → routing (no fingerprint processor yet: records carry one)',
    build: () => {
      let p = routing(sink);
      p = make(rateLimiterFactory, {}, p);
      p = make(samplerFactory, {}, p);
      if (fingerprintFactory) p = make(fingerprintFactory, {}, p);
      return make(redactionFactory, {}, p);
    },
    fingerprinted: !fingerprintFactory,
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Each record is made just before it is emitted, as in a running pipeline (a record made long
 * before is cold in the CPU caches); the time to make the records alone is measured the same way
 * and subtracted.
 */
function timeRun(p: LogRecordProcessor, fingerprinted: boolean, secrets: boolean): number {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) p.onEmit(record(i, fingerprinted, secrets));
  return performance.now() - t0;
}

const baselines = new Map<string, number>();
function baseline(fingerprinted: boolean, secrets: boolean): number {
  const key = `${fingerprinted}/${secrets}`;
  let ms = baselines.get(key);
  if (ms === undefined) {
    const times: number[] = [];
    for (let run = 0; run <= RUNS; run++) times.push(timeRun(sink, fingerprinted, secrets));
    ms = median(times.slice(1));
    baselines.set(key, ms);
  }
  return ms;
}

const rows: string[][] = [];
for (const c of cases) {
  const secrets = c.secrets ?? true;
  const base = baseline(c.fingerprinted, secrets);
  const times: number[] = [];
  let out = 0;
  for (let run = 0; run <= RUNS; run++) {
    const p = c.build();
    counted.n = 0;
    const ms = timeRun(p, c.fingerprinted, secrets);
    await p.shutdown();
    if (run > 0) times.push(ms); // run 0 warms up
    out = counted.n;
  }
  const ms = Math.max(median(times) - base, 1e-3);
  rows.push([
    c.name,
    String(N),
    ms.toFixed(1),
    Math.round((N / ms) * 1000).toLocaleString('en-US'),
    ((ms * 1e6) / N).toFixed(0),
    String(out),
  ]);
}

const header = ['stage', 'records', 'median ms (net)', 'records/s', 'ns/record', 'records out'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
console.log(
  `unitrack processors, Node ${process.version}, ${N} records per run, median of ${RUNS} runs, time to make the records subtracted`,
);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`);
for (const r of rows) console.log(line(r));
