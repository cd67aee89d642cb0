import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipelineRecord } from '../../model/record.ts';
import type { ConnectorFactory, ExporterFactory, ProcessorFactory } from '../../pipeline/component.ts';
import type { ConfigError } from '../../pipeline/config/config-error.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { objectSource } from '../../pipeline/config/source.ts';
import { Registry } from '../../pipeline/registry.ts';
import { Service } from '../../pipeline/service.ts';
import { otlpReceiverFactory } from '../../receivers/otlp/otlp-receiver-factory.ts';

/** Test components: an exporter that remembers, one that never answers, a tagging and a throwing processor, a splitter. */
const sinks = new Map<string, ReadableLogRecord[]>();
const memory: ExporterFactory = {
  kind: 'exporter',
  type: 'memory',
  config: z.strictObject({ sending_queue: z.strictObject({ queue_size: z.number() }).optional() }),
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
const stuck: ExporterFactory = {
  kind: 'exporter',
  type: 'stuck',
  config: z.strictObject({ sending_queue: z.strictObject({ queue_size: z.number() }).optional() }),
  create: () => ({ export: () => {}, forceFlush: async () => {}, shutdown: async () => {} }),
};
const tag: ProcessorFactory = {
  kind: 'processor',
  type: 'tag',
  config: z.strictObject({ value: z.string().default('x') }),
  create: ({ config }, next) => ({
    onEmit(r: ReadWriteLogRecord) {
      r.setAttribute('tag', (config as { value: string }).value);
      next.onEmit(r);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: async () => {},
  }),
};
const boom: ProcessorFactory = {
  kind: 'processor',
  type: 'boom',
  config: z.strictObject({}),
  create: (_ctx, next) => ({
    onEmit(r: ReadWriteLogRecord) {
      if (r.body === 'explode') throw new Error('processor bug');
      next.onEmit(r);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: async () => {},
  }),
};
type Split = { high: string[]; low: string[] };
const split: ConnectorFactory = {
  kind: 'connector',
  type: 'split',
  config: z.strictObject({ high: z.array(z.string()), low: z.array(z.string()) }),
  targets: (c) => [...(c as Split).high, ...(c as Split).low],
  create: ({ config }, routes) => {
    const to = (ids: string[]) => ids.map((id) => routes.get(id) as LogRecordProcessor);
    const high = to((config as Split).high);
    const low = to((config as Split).low);
    return {
      onEmit(r: ReadWriteLogRecord) {
        for (const p of (r.severityNumber ?? 0) >= 17 ? high : low) p.onEmit(r);
      },
      forceFlush: async () => {
        await Promise.all([...high, ...low].map((p) => p.forceFlush()));
      },
      shutdown: async () => {},
    };
  },
};
/** A processor that only looks: it says so (mutatesData: false), so its pipeline shares records. */
const look: ProcessorFactory = {
  kind: 'processor',
  type: 'look',
  mutatesData: false,
  config: z.strictObject({}),
  create: (_ctx, next) => ({
    onEmit: (r: ReadWriteLogRecord) => next.onEmit(r),
    forceFlush: () => next.forceFlush(),
    shutdown: async () => {},
  }),
};
const registry = () => new Registry().register(otlpReceiverFactory, memory, stuck, tag, boom, split, look);

function record(body: string, severityNumber = 9): PipelineRecord {
  return new PipelineRecord({
    hrTime: [1_700_000_000, 0],
    resource: resourceFromAttributes({ 'service.name': 'svc' }),
    instrumentationScope: { name: 'test' },
    body,
    severityNumber,
  });
}

function service(config: Record<string, unknown>, options = {}) {
  return new Service(resolveConfig(objectSource(config), registry(), {}), options);
}

describe('the pipeline engine', () => {
  it('runs processors in order and fans out to every exporter of a pipeline', async () => {
    const s = service({
      receivers: { otlp: {} },
      processors: { tag: { value: 'first' }, 'tag/2': { value: 'second' } },
      exporters: { 'memory/a': {}, 'memory/b': {} },
      service: { pipelines: { logs: { receivers: ['otlp'], processors: ['tag', 'tag/2'], exporters: ['memory/a', 'memory/b'] } } },
    });
    s.ingest([record('one'), record('two')]);
    await s.shutdown();
    expect(sinks.get('memory/a')?.map((r) => [r.body, r.attributes.tag])).toEqual([
      ['one', 'second'],
      ['two', 'second'],
    ]);
    expect(sinks.get('memory/b')).toHaveLength(2);
  });

  it('routes through a connector, and gives each mutating pipeline its own copy', async () => {
    const s = service({
      receivers: { otlp: {} },
      processors: { 'tag/n': { value: 'notify' }, 'tag/a': { value: 'archive' } },
      connectors: { split: { high: ['logs/notify', 'logs/archive'], low: ['logs/archive'] } },
      exporters: { 'memory/notify': {}, 'memory/archive': {} },
      service: {
        pipelines: {
          'logs/in': { receivers: ['otlp'], exporters: ['split'] },
          'logs/notify': { receivers: ['split'], processors: ['tag/n'], exporters: ['memory/notify'] },
          'logs/archive': { receivers: ['split'], processors: ['tag/a'], exporters: ['memory/archive'] },
        },
      },
    });
    s.ingest([record('quiet', 9), record('loud', 17)]);
    await s.forceFlush();
    expect(sinks.get('memory/notify')?.map((r) => [r.body, r.attributes.tag])).toEqual([['loud', 'notify']]);
    expect(sinks.get('memory/archive')?.map((r) => [r.body, r.attributes.tag])).toEqual([
      ['quiet', 'archive'],
      ['loud', 'archive'],
    ]);
    await s.shutdown();
  });

  it('copies a record only for pipelines whose processors may change it (mutatesData)', async () => {
    const s = service({
      receivers: { otlp: {} },
      processors: { look: {}, tag: {} },
      exporters: { 'memory/bare': {}, 'memory/look': {}, 'memory/tag': {} },
      service: {
        pipelines: {
          'logs/bare': { receivers: ['otlp'], exporters: ['memory/bare'] },
          'logs/look': { receivers: ['otlp'], processors: ['look'], exporters: ['memory/look'] },
          'logs/tag': { receivers: ['otlp'], processors: ['tag'], exporters: ['memory/tag'] },
        },
      },
    });
    s.ingest([record('one')]);
    await s.forceFlush();
    const [bare, looked, tagged] = ['bare', 'look', 'tag'].map((id) => sinks.get(`memory/${id}`)?.[0]);
    expect(looked).toBe(bare);
    expect(tagged).not.toBe(bare);
    expect(tagged?.attributes.tag).toBe('x');
    expect(bare?.attributes.tag).toBeUndefined();
    await s.shutdown();
  });

  it('rejects connector cycles with the pipelines involved', () => {
    expect(() =>
      service({
        receivers: { otlp: {} },
        connectors: { split: { high: ['logs/a'], low: ['logs/a'] } },
        exporters: { memory: {} },
        service: {
          pipelines: {
            'logs/in': { receivers: ['otlp'], exporters: ['split'] },
            'logs/a': { receivers: ['split'], exporters: ['split', 'memory'] },
          },
        },
      }),
    ).toThrow(/cycle: logs\/a → logs\/a/);
  });

  it('rejects a connector routing to a pipeline that does not list it', () => {
    try {
      service({
        receivers: { otlp: {} },
        connectors: { split: { high: ['logs/x'], low: [] } },
        exporters: { memory: {} },
        service: {
          pipelines: {
            'logs/in': { receivers: ['otlp'], exporters: ['split'] },
            'logs/x': { receivers: ['otlp'], exporters: ['memory'] },
            'logs/y': { receivers: ['split'], exporters: ['memory'] },
          },
        },
      });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues.map((i) => i.message)).toContain(
        'routes to pipeline "logs/x", which does not list "split" among its receivers',
      );
    }
  });

  it('drops and counts a record whose processor throws, and keeps the rest flowing', async () => {
    const s = service({
      receivers: { otlp: {} },
      processors: { boom: {} },
      exporters: { 'memory/boom': {} },
      service: { pipelines: { logs: { receivers: ['otlp'], processors: ['boom'], exporters: ['memory/boom'] } } },
    });
    s.ingest([record('fine'), record('explode'), record('also fine')]);
    await s.shutdown();
    expect(sinks.get('memory/boom')?.map((r) => r.body)).toEqual(['fine', 'also fine']);
    expect(s.telemetry.value('unitrack_processor_errors_total', { processor: 'boom' })).toBe(1);
  });

  it('bounds every queue: a stuck exporter drops and counts, the other exporter gets everything', async () => {
    const s = service(
      {
        receivers: { otlp: {} },
        exporters: { 'memory/ok': {}, stuck: { sending_queue: { queue_size: 10 } } },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['memory/ok', 'stuck'] } } },
      },
      { ingestQueueSize: 100 },
    );
    for (let i = 0; i < 150; i++) s.ingest([record(`r${i}`)]);
    expect(s.telemetry.value('unitrack_ingest_refused_total')).toBe(50);
    s.queue.drain();
    expect(s.saturated).toBe(true);
    // The stuck exporter holds one batch in flight and 10 queued; the rest is dropped and counted.
    const dropped = s.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'stuck' });
    expect(dropped).toBeGreaterThanOrEqual(100 - 10 - 10);
    await new Promise((r) => setImmediate(r));
    expect(sinks.get('memory/ok')).toHaveLength(100);
    expect(s.telemetry.render()).toContain('unitrack_exporter_dropped_total{exporter="stuck"}');
  });
});
