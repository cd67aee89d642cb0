import { SeverityNumber } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExporterFactory } from '../../collector/component.ts';
import { defaultRegistry } from '../../collector/components.ts';
import { resolveConfig } from '../../collector/config/service-config.ts';
import { objectSource } from '../../collector/config/source.ts';
import { Service } from '../../collector/service.ts';

/** An exporter that holds every batch until the gate opens. */
const received: ReadableLogRecord[] = [];
const waiting: (() => void)[] = [];
let open = false;
const gate: ExporterFactory = {
  kind: 'exporter',
  type: 'gate',
  config: z.strictObject({ sending_queue: z.strictObject({ queue_size: z.number() }).optional() }),
  create: () => ({
    export(records, done) {
      const finish = () => {
        received.push(...records);
        done({ code: ExportResultCode.SUCCESS });
      };
      if (open) finish();
      else waiting.push(finish);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  }),
};

describe('back-pressure', () => {
  it('answers 429 with Retry-After while queues are full, and the OTLP exporter’s retries lose nothing', async () => {
    const service = new Service(
      resolveConfig(
        objectSource({
          receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0', retry_after: 1 } } } },
          exporters: { gate: { sending_queue: { queue_size: 60 } } },
          service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['gate'] } } },
        }),
        defaultRegistry().register(gate),
        {},
      ),
      { mode: 'collector', ingestQueueSize: 50 },
    );
    await service.start();
    const url = `http://127.0.0.1:${service.receivers.get('otlp')?.address?.port}/v1/logs`;
    // Eight clients, each sending its 25 records in one batch, as a BatchLogRecordProcessor does.
    const providers = Array.from(
      { length: 8 },
      () =>
        new LoggerProvider({
          processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url }), scheduledDelayMillis: 10 })],
        }),
    );
    const total = 8 * 25;
    providers.forEach((p, c) => {
      for (let i = 0; i < 25; i++)
        p.getLogger('load').emit({ body: `client ${c} record ${i}`, severityNumber: SeverityNumber.INFO, attributes: { id: `${c}-${i}` } });
    });
    // Wait until the receiver has refused something, then let the exporter go.
    while (service.telemetry.sum('unitrack_receiver_throttled_requests_total') === 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const refusedMetrics = service.telemetry.render();
    open = true;
    for (const release of waiting.splice(0)) release();
    await Promise.all(providers.map((p) => p.forceFlush()));
    await service.forceFlush();
    const ids = new Set(received.map((r) => r.attributes.id));
    expect(ids.size).toBe(total);
    expect(service.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'gate' })).toBe(0);
    expect(refusedMetrics).toMatch(/unitrack_receiver_throttled_requests_total\S* [1-9]/);
    await Promise.all(providers.map((p) => p.shutdown()));
    await service.shutdown();
  });
});
