import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultRegistry } from '../../cli/components.ts';
import { PipelineRecord } from '../../model/record.ts';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { ConfigError } from '../../pipeline/config/config-error.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { objectSource } from '../../pipeline/config/source.ts';
import { Service } from '../../pipeline/service.ts';
import { tempDir } from '../helpers/tmp.ts';

// `sending_queue` is one schema, read by the engine for every exporter: each documented setting
// validates on every exporter type and sizes the queue in front of it.

const dir = tempDir();
/** The smallest valid config of each exporter unitrack ships. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  jsonfile: { path: join(dir, 'events.jsonl') },
  blog: { directory: join(dir, 'blog') },
  webhook: {},
  dashboard: { endpoint: '127.0.0.1:0', store: { path: ':memory:' } },
  otlp_http: { endpoint: 'http://127.0.0.1:9' },
  otlp_grpc: { endpoint: '127.0.0.1:9', tls: { insecure: true } },
};
const shipped = defaultRegistry().types('exporter');

function configWith(type: string, extra: Record<string, unknown>) {
  return {
    receivers: { otlp: {} },
    exporters: { [type]: { ...MINIMAL[type], ...extra } },
    service: { pipelines: { logs: { receivers: ['otlp'], exporters: [type] } } },
  };
}

function issues(config: Record<string, unknown>): string[] {
  try {
    resolveConfig(objectSource(config), defaultRegistry(), {});
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('sending_queue', () => {
  it('every shipped exporter has a minimal config here', () => {
    for (const type of shipped) expect(MINIMAL[type], `add a minimal ${type} config to this test`).toBeDefined();
  });

  describe.each(shipped)('on %s', (type) => {
    const queueOf = (extra: Record<string, unknown>) =>
      resolveConfig(objectSource(configWith(type, extra)), defaultRegistry(), {}).exporters.get(type)?.sendingQueue;

    it('defaults to the documented sizes (jsonfile prefers batches of 4096)', () => {
      const expected = { queue_size: 10_000, batch_size: type === 'jsonfile' ? 4096 : 512 };
      expect(queueOf({})).toEqual(expected);
      expect(queueOf({ sending_queue: null })).toEqual(expected);
      expect(queueOf({ sending_queue: {} })).toEqual(expected);
    });

    it('takes queue_size and batch_size', () => {
      expect(queueOf({ sending_queue: { queue_size: 123, batch_size: 7 } })).toEqual({ queue_size: 123, batch_size: 7 });
      expect(queueOf({ sending_queue: { batch_size: 64 } })).toEqual({ queue_size: 10_000, batch_size: 64 });
    });

    it('rejects bad values and unknown keys at their own path, with a suggestion', () => {
      expect(issues(configWith(type, { sending_queue: { queue_size: 0, batch_size: 1.5 } }))).toEqual([
        `exporters.${type}.sending_queue.queue_size: Too small: expected number to be >0`,
        `exporters.${type}.sending_queue.batch_size: Invalid input: expected int, received number`,
      ]);
      expect(issues(configWith(type, { sending_queue: { batch_sise: 10 } }))).toEqual([
        `exporters.${type}.sending_queue.batch_sise: Unrecognized key "batch_sise" (did you mean "batch_size"?)`,
      ]);
      expect(issues(configWith(type, { sending_queu: { queue_size: 10 } }))).toEqual([
        `exporters.${type}.sending_queu: Unrecognized key "sending_queu" (did you mean "sending_queue"?)`,
      ]);
    });
  });

  it('sizes the queue in front of every shipped exporter', async () => {
    const exporters = Object.fromEntries(
      shipped.map((type, i) => [type, { ...MINIMAL[type], sending_queue: { queue_size: 100 + i, batch_size: 10 + i } }]),
    );
    const service = new Service(
      resolveConfig(
        objectSource({
          receivers: { otlp: {} },
          exporters,
          service: { pipelines: { logs: { receivers: ['otlp'], exporters: shipped } } },
        }),
        defaultRegistry(),
        {},
      ),
      { mode: 'embedded', dataDir: dir },
    );
    try {
      const metrics = service.telemetry.render();
      shipped.forEach((type, i) => {
        expect(metrics).toContain(`unitrack_exporter_queue_capacity{exporter="${type}"} ${100 + i}`);
      });
    } finally {
      await service.shutdown();
    }
  });

  describe('batch_size and queue_size take effect', () => {
    const batches = new Map<string, number[]>();
    const held: ((r: { code: ExportResultCode }) => void)[] = [];
    /** Records the size of each batch; `hold` keeps each export open until released. */
    const recorder = (type: string, sendingQueue?: ExporterFactory['sendingQueue']): ExporterFactory => ({
      kind: 'exporter',
      type,
      sendingQueue,
      config: z.strictObject({ hold: z.boolean().default(false) }),
      create: ({ id, config }) =>
        ({
          export: (records, done) => {
            batches.set(id, [...(batches.get(id) ?? []), records.length]);
            if ((config as { hold: boolean }).hold) held.push(done);
            else done({ code: ExportResultCode.SUCCESS });
          },
          forceFlush: async () => {},
          shutdown: async () => {},
        }) satisfies LogRecordExporter,
    });
    const registry = () => defaultRegistry().register(recorder('recorder'), recorder('prefers4', { batch_size: 4 }));
    const records = (n: number) =>
      Array.from(
        { length: n },
        (_, i) =>
          new PipelineRecord({
            hrTime: [1_700_000_000, 0],
            resource: resourceFromAttributes({ 'service.name': 'svc' }),
            instrumentationScope: { name: 'test' },
            body: `r${i}`,
            severityNumber: 9,
          }),
      );

    it('hands the exporter batches of batch_size, else of its preferred size, else 512', async () => {
      const service = new Service(
        resolveConfig(
          objectSource({
            receivers: { otlp: {} },
            exporters: {
              'recorder/three': { sending_queue: { batch_size: 3 } },
              'recorder/default': {},
              prefers4: {},
              'prefers4/two': { sending_queue: { batch_size: 2 } },
            },
            service: {
              pipelines: { logs: { receivers: ['otlp'], exporters: ['recorder/three', 'recorder/default', 'prefers4', 'prefers4/two'] } },
            },
          }),
          registry(),
          {},
        ),
        { mode: 'embedded', dataDir: dir },
      );
      expect(service.ingest(records(10))).toBe(true);
      await service.forceFlush();
      await service.shutdown();
      expect(batches.get('recorder/three')).toEqual([3, 3, 3, 1]);
      expect(batches.get('recorder/default')).toEqual([10]);
      expect(batches.get('prefers4')).toEqual([4, 4, 2]);
      expect(batches.get('prefers4/two')).toEqual([2, 2, 2, 2, 2]);
    });

    it('holds at most queue_size records in front of a stalled exporter and counts the rest as dropped', async () => {
      const service = new Service(
        resolveConfig(
          objectSource({
            receivers: { otlp: {} },
            exporters: { 'recorder/stalled': { hold: true, sending_queue: { queue_size: 5, batch_size: 2 } } },
            service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['recorder/stalled'] } } },
          }),
          registry(),
          {},
        ),
        { mode: 'embedded', dataDir: dir },
      );
      // 4 in: one batch of 2 goes out and stays open, 2 wait; then 20 more: 3 fit, 17 are dropped.
      service.ingest(records(4));
      await new Promise((r) => setTimeout(r, 50));
      service.ingest(records(20));
      await new Promise((r) => setTimeout(r, 50));
      expect(batches.get('recorder/stalled')).toEqual([2]);
      const metrics = service.telemetry.render();
      expect(metrics).toContain('unitrack_exporter_queue_capacity{exporter="recorder/stalled"} 5');
      expect(metrics).toMatch(/unitrack_exporter_queue_size\{exporter="recorder\/stalled"\} 5\b/);
      expect(service.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'recorder/stalled' })).toBe(17);
      for (const done of held.splice(0)) done({ code: ExportResultCode.SUCCESS });
      const release = setInterval(() => {
        for (const done of held.splice(0)) done({ code: ExportResultCode.SUCCESS });
      }, 5);
      await service.shutdown();
      clearInterval(release);
    });
  });
});
