import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExporterFactory } from '../../collector/component.ts';
import { defaultRegistry } from '../../collector/components.ts';
import { resolveConfig } from '../../collector/config/service-config.ts';
import { objectSource } from '../../collector/config/source.ts';
import { Service } from '../../collector/service.ts';

// A batch larger than an exporter's queue is admitted once everything is idle (else it could
// never be delivered). Found with otelcol in front (test/interop/otelcol-back-pressure.test.ts):
// the queue then dropped the part past its capacity, although the receiver had answered 200.

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

function body(from: number, count: number): string {
  const logRecords = Array.from({ length: count }, (_, k) => ({
    severityNumber: 9,
    body: { stringValue: `record ${from + k}` },
    attributes: [{ key: 'id', value: { stringValue: `id-${from + k}` } }],
  }));
  return JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] });
}

describe('a batch larger than an exporter queue', () => {
  it('is admitted when idle and delivered whole; the next batch waits (429) until the queue drains', async () => {
    const service = new Service(
      resolveConfig(
        objectSource({
          receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
          exporters: { gate: { sending_queue: { queue_size: 10 } } },
          service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['gate'] } } },
        }),
        defaultRegistry().register(gate),
        {},
      ),
      { mode: 'collector' },
    );
    await service.start();
    const url = `http://127.0.0.1:${service.receivers.get('otlp')?.address?.port}/v1/logs`;
    const post = (b: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });

    expect((await post(body(0, 30))).status).toBe(200);
    // The first batch is still queued or in flight behind the gate: the next one is refused.
    expect((await post(body(30, 30))).status).toBe(429);

    open = true;
    for (const release of waiting.splice(0)) release();
    await service.forceFlush();
    expect(new Set(received.map((r) => r.attributes.id)).size).toBe(30);
    expect(service.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'gate' })).toBe(0);

    // Once idle again, the second batch goes through whole too.
    expect((await post(body(30, 30))).status).toBe(200);
    await service.forceFlush();
    expect(new Set(received.map((r) => r.attributes.id)).size).toBe(60);
    expect(service.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'gate' })).toBe(0);
    await service.shutdown();
  });
});
