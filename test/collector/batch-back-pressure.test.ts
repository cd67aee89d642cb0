import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExporterFactory } from '../../collector/component.ts';
import { defaultRegistry } from '../../collector/components.ts';
import { resolveConfig } from '../../collector/config/service-config.ts';
import { objectSource } from '../../collector/config/source.ts';
import { Service } from '../../collector/service.ts';

// Records a batch processor holds reach the exporter queue all at once when it sends them on, so
// admission counts them. Found with bench row 4 (otlp → batch → jsonfile): the exporter queue
// dropped about half of what the receiver had answered 200 for.

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

describe('back-pressure with a batch processor', () => {
  it('counts the records the batch holds, so the exporter queue never drops what was accepted', async () => {
    const service = new Service(
      resolveConfig(
        objectSource({
          receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0', retry_after: 1 } } } },
          processors: { batch: { send_batch_size: 40, timeout: '300ms' } },
          // Refuses at 45: a held batch of 39 and 13 more would overflow it.
          exporters: { gate: { sending_queue: { queue_size: 50 } } },
          service: { pipelines: { logs: { receivers: ['otlp'], processors: ['batch'], exporters: ['gate'] } } },
        }),
        defaultRegistry().register(gate),
        {},
      ),
      { mode: 'collector' },
    );
    await service.start();
    const url = `http://127.0.0.1:${service.receivers.get('otlp')?.address?.port}/v1/logs`;
    const post = async (from: number, count: number) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(from, count) });
      await res.arrayBuffer();
      return res.status;
    };
    const settle = () => new Promise((r) => setTimeout(r, 20));
    // 40 records: one full batch, sent on and held in flight by the closed gate (the queue is busy).
    expect(await post(0, 40)).toBe(200);
    await settle();
    // Three requests of 13: the batch holds 39.
    for (let i = 0; i < 3; i++) {
      expect(await post(40 + 13 * i, 13)).toBe(200);
      await settle();
    }
    expect(service.telemetry.value('unitrack_batch_held_records', { processor: 'batch' })).toBe(39);
    // 13 more would make the batch send 52 into a queue of 50: refused instead.
    expect(await post(79, 13)).toBe(429);
    open = true;
    for (const release of waiting.splice(0)) release();
    // Once the batch's timeout has sent the 39 on and the queue has drained, it is taken.
    let status = 429;
    for (let tries = 0; status === 429 && tries < 100; tries++) {
      status = await post(79, 13);
      if (status === 429) await settle();
    }
    expect(status).toBe(200);
    await service.forceFlush();
    expect(service.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'gate' })).toBe(0);
    const ids = new Set(received.map((r) => r.attributes.id));
    expect(ids.size).toBe(92);
    expect(received).toHaveLength(92);
    await service.shutdown();
  });
});
