import { fileURLToPath } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultRegistry } from '../../cli/components.ts';
import { routingConfig, routingFactory } from '../../connectors/routing/routing-factory.ts';
import { ATTR_ALERT_REASON, ATTR_CATEGORY, ATTR_GROUP_COUNT } from '../../model/attributes.ts';
import { SEVERITIES, type Severity } from '../../model/severity.ts';
import type { ExporterFactory, ProcessorFactory } from '../../pipeline/component.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { readConfigFiles } from '../../pipeline/config/source.ts';
import { Registry } from '../../pipeline/registry.ts';
import { Service } from '../../pipeline/service.ts';
import { rateLimiterFactory } from '../../processors/rate-limiter/rate-limiter-factory.ts';
import { redactionFactory } from '../../processors/redaction/redaction-factory.ts';
import { samplerFactory } from '../../processors/sampler/sampler-factory.ts';
import { otlpReceiverFactory } from '../../receivers/otlp/otlp-receiver-factory.ts';
import { type RecordSpec, rec, testHost } from '../processors/harness.ts';

const example = (name: string) => fileURLToPath(new URL(`../../collector-config/examples/${name}`, import.meta.url));

/** The pipelines a routing connector built from one example file sends a record to. */
function router(file: string) {
  const raw = readConfigFiles([example(file)]).raw as { connectors: { routing: unknown } };
  const config = routingConfig.parse(raw.connectors.routing);
  let hit: string[] = [];
  const routes = new Map<string, LogRecordProcessor>();
  for (const id of routingFactory.targets(config)) {
    routes.set(id, {
      onEmit: () => {
        hit.push(id);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    });
  }
  const connector = routingFactory.create({ id: 'routing', config, host: testHost() }, routes);
  return (spec: RecordSpec): string[] => {
    hit = [];
    connector.onEmit(rec(spec));
    return [...hit].sort();
  };
}

const alert = { [ATTR_ALERT_REASON]: 'new_group' };
const ARCHIVE = ['logs/archive'];
const BLOG = ['logs/archive', 'logs/blog'];
const NOTIFY = ['logs/archive', 'logs/notify'];
const ALL = ['logs/archive', 'logs/blog', 'logs/notify'];

/** default-routing.yaml: [severity, alert?, expected pipelines] */
const DEFAULT_TABLE: [Severity, boolean, string[]][] = [
  ['debug', false, ARCHIVE],
  ['info', false, ARCHIVE],
  ['low', false, ARCHIVE],
  ['medium', false, BLOG],
  ['high', false, BLOG],
  ['critical', false, BLOG],
  ['debug', true, NOTIFY],
  ['info', true, NOTIFY],
  ['low', true, NOTIFY],
  ['medium', true, ALL],
  ['high', true, ALL],
  ['critical', true, ALL],
];

describe('example routing tables through the OTTL parser and evaluator', () => {
  const routeDefault = router('default-routing.yaml');
  it.each(DEFAULT_TABLE)('default-routing.yaml: %s, alert %s → %j', (severity, isAlert, expected) => {
    expect(routeDefault({ severity, attributes: isAlert ? alert : {} })).toEqual(expected);
  });

  const routeSeverity = router('severity-routing.yaml');
  it.each([
    ['info, checkout', { severity: 'info' }, ['logs/archive']],
    ['medium, checkout', { severity: 'medium' }, ['logs/archive']],
    ['high, checkout', { severity: 'high' }, ['logs/archive', 'logs/notify']],
    ['critical, checkout', { severity: 'critical' }, ['logs/archive', 'logs/notify']],
    [
      'critical from a canary (resource context wins first)',
      { severity: 'critical', resourceAttributes: { 'service.name': 'pay-canary' } },
      ['logs/canary'],
    ],
    ['info from a canary', { severity: 'info', resourceAttributes: { 'service.name': 'pay-canary' } }, ['logs/canary']],
    [
      'info "Out Of Memory" (statement, IsMatch (?i))',
      { severity: 'info', body: 'worker: Out Of Memory' },
      ['logs/archive', 'logs/notify'],
    ],
    ['low security category', { severity: 'low', attributes: { [ATTR_CATEGORY]: 'security' } }, ['logs/archive', 'logs/notify']],
  ] as [string, RecordSpec, string[]][])('severity-routing.yaml: %s → %j', (_name, spec, expected) => {
    expect(routeSeverity(spec)).toEqual(expected);
  });

  it('severity-routing.yaml validates against the shipped components', () => {
    const config = resolveConfig(readConfigFiles([example('severity-routing.yaml')]), defaultRegistry(), {});
    expect(config.connectors.get('routing')?.factory.targets(config.connectors.get('routing')?.config)).toEqual([
      'logs/archive',
      'logs/canary',
      'logs/notify',
    ]);
  });
});

/** Exporters that remember what reached them, under the names the default config uses. */
const sinks = new Map<string, ReadableLogRecord[]>();
function memory(type: string): ExporterFactory {
  return {
    kind: 'exporter',
    type,
    config: z.looseObject({}),
    create: ({ id }) => {
      const got: ReadableLogRecord[] = [];
      sinks.set(id, got);
      return {
        export: (records, done) => {
          got.push(...records);
          done({ code: ExportResultCode.SUCCESS });
        },
        forceFlush: async () => {},
        shutdown: async () => {},
      } satisfies LogRecordExporter;
    },
  };
}
/** Fingerprinting is another stage's job; here records carry their group state already. */
const fingerprintStub: ProcessorFactory = {
  kind: 'processor',
  type: 'fingerprint',
  config: z.looseObject({}),
  create: (_ctx, next) => ({
    onEmit: (r: ReadWriteLogRecord) => next.onEmit(r),
    forceFlush: () => next.forceFlush(),
    shutdown: async () => {},
  }),
};

describe('default-routing.yaml in a running service', () => {
  it('sends every event to jsonfile and dashboard, medium+ to the blog, alerts to the webhook', async () => {
    const registry = new Registry().register(
      otlpReceiverFactory,
      redactionFactory,
      fingerprintStub,
      samplerFactory,
      rateLimiterFactory,
      routingFactory,
      memory('webhook'),
      memory('jsonfile'),
      memory('blog'),
      memory('dashboard'),
    );
    const service = new Service(resolveConfig(readConfigFiles([example('default-routing.yaml')]), registry, {}));
    const categories = ['mcp', 'dashboard', 'health', 'task', 'error', 'system'];
    const expected = new Map<string, string[]>();
    const input = [];
    let i = 0;
    for (const severity of SEVERITIES) {
      for (const isAlert of [false, true]) {
        for (const category of categories) {
          const name = `e${i++}_${severity}_${category}${isAlert ? '_alert' : ''}`;
          // group.count 1: a new group's first record, which the sampler always keeps.
          const attributes = { [ATTR_CATEGORY]: category, [ATTR_GROUP_COUNT]: 1, ...(isAlert ? alert : {}) };
          input.push(rec({ severity, eventName: name, attributes }));
          const to = ['dashboard', 'jsonfile'];
          if (SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf('medium')) to.push('blog');
          if (isAlert) to.push('webhook');
          expected.set(name, to.sort());
        }
      }
    }
    expect(service.ingest(input)).toBe(true);
    await service.shutdown();
    const got = new Map<string, string[]>();
    for (const [exporter, records] of sinks)
      for (const r of records) got.set(r.eventName as string, [...(got.get(r.eventName as string) ?? []), exporter]);
    for (const [name, to] of expected) expect([name, (got.get(name) ?? []).sort()]).toEqual([name, to]);
    // Every event reaches at least two destinations; a critical alert reaches all four.
    for (const to of got.values()) expect(to.length).toBeGreaterThanOrEqual(2);
    expect(got.get([...expected.keys()].find((n) => n.includes('critical') && n.endsWith('_alert')) as string)).toHaveLength(4);
  });
});
