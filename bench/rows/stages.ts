/**
 * Row 2b. Records per second through each of unitrack's processors alone and chained as in the
 * default pipeline (redaction → fingerprint → sampler → rate_limiter → routing), in memory, no
 * exporter: where row 2's time goes. No peer.
 */
import { type Attributes, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { defaultRegistry } from '../../cli/components.ts';
import { routingFactory } from '../../connectors/routing/routing-factory.ts';
import { ATTR_CATEGORY, ATTR_COMPONENT, ATTR_EXCEPTION_MESSAGE, ATTR_FINGERPRINT, ATTR_USER_ID } from '../../model/attributes.ts';
import { PipelineRecord } from '../../model/record.ts';
import { SEVERITIES, SEVERITY_NUMBER, SEVERITY_TEXT } from '../../model/severity.ts';
import { SharedState } from '../../model/shared-state.ts';
import { Telemetry } from '../../model/telemetry.ts';
import type { Host, ProcessorFactory } from '../../pipeline/component.ts';
import { rateLimiterFactory } from '../../processors/rate-limiter/rate-limiter-factory.ts';
import { redactionFactory } from '../../processors/redaction/redaction-factory.ts';
import { samplerFactory } from '../../processors/sampler/sampler-factory.ts';
import type { Row, SubjectResult } from '../lib/types.ts';

let N = 0;

const host: Host = {
  mode: 'embedded',
  telemetry: new Telemetry(),
  dataDir: 'data',
  shared: new SharedState(),
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

const ids = ['redaction', 'redaction-no-secrets', 'fingerprint', 'sampler', 'rate_limiter', 'routing', 'chain'];

export const stages: Row = {
  id: 'stages',
  title: '2b. Processor stages alone (no exporter)',
  metrics: [
    { key: 'records_per_s', label: 'records/s', better: 'higher' },
    { key: 'ns_per_record', label: 'ns/record', better: 'lower' },
    { key: 'records_out', label: 'records out', better: 'none' },
  ],
  subjects: ids.map((id, k) => ({ id, label: cases[k].name })),
  iterations: 50_000,
  smokeIterations: 1_000,
  reps: 3,
  note: 'In-memory records made just before each is emitted; the time to make them (measured alone) is subtracted; one warm-up run first; the net time is floored at 5% of the run’s (a stage cheaper than that is below resolution). Secrets in one record in 20 unless said otherwise.',
  async run(subject, n, { tmpDir }): Promise<SubjectResult> {
    N = n;
    (host as { dataDir: string }).dataDir = tmpDir;
    const c = cases[ids.indexOf(subject)];
    const secrets = c.secrets ?? true;
    timeRun(sink, c.fingerprinted, secrets);
    const base = timeRun(sink, c.fingerprinted, secrets);
    const warm = c.build();
    timeRun(warm, c.fingerprinted, secrets);
    await warm.shutdown();
    const p = c.build();
    counted.n = 0;
    const gross = timeRun(p, c.fingerprinted, secrets);
    // A stage much cheaper than making its records is below this method's resolution: floor at 5% of the run.
    const ms = Math.max(gross - base, gross * 0.05);
    const out = counted.n;
    await p.shutdown();
    return { records_per_s: (n / ms) * 1000, ns_per_record: (ms * 1e6) / n, records_out: out };
  },
};
