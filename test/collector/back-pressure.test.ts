import { SeverityNumber } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import type { ServiceOptions } from '../../pipeline/service.ts';
import { gatedCollector as sharedGatedCollector } from './gated-collector.ts';

/** The shared gated collector, with the URL of its OTLP/HTTP logs endpoint. */
async function gatedCollector(config: Record<string, unknown>, options: ServiceOptions = {}) {
  const c = await sharedGatedCollector(config, options);
  return { ...c, url: `http://127.0.0.1:${c.http}/v1/logs` };
}

/** An OTLP/JSON logs request of `count` records with ids `id-<from>`…. */
function body(from: number, count: number): string {
  const logRecords = Array.from({ length: count }, (_, k) => ({
    severityNumber: 9,
    body: { stringValue: `record ${from + k}` },
    attributes: [{ key: 'id', value: { stringValue: `id-${from + k}` } }],
  }));
  return JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] });
}

describe('back-pressure', () => {
  it('answers 429 with Retry-After while queues are full, and the OTLP exporter’s retries lose nothing', async () => {
    const { service, url, received, open } = await gatedCollector(
      {
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0', retry_after: 1 } } } },
        exporters: { gate: { sending_queue: { queue_size: 60 } } },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['gate'] } } },
      },
      { ingestQueueSize: 50 },
    );
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
    open();
    await Promise.all(providers.map((p) => p.forceFlush()));
    await service.forceFlush();
    const ids = new Set(received.map((r) => r.attributes.id));
    expect(ids.size).toBe(total);
    expect(service.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'gate' })).toBe(0);
    expect(refusedMetrics).toMatch(/unitrack_receiver_throttled_requests_total\S* [1-9]/);
    await Promise.all(providers.map((p) => p.shutdown()));
    await service.shutdown();
  });

  // Found with otelcol in front (test/interop/otelcol-back-pressure.test.ts): the queue dropped the
  // part of an oversize batch past its capacity, although the receiver had answered 200.
  it('admits a batch larger than an exporter queue when idle and delivers it whole; the next waits (429) until the queue drains', async () => {
    const { service, url, received, open } = await gatedCollector({
      receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
      exporters: { gate: { sending_queue: { queue_size: 10 } } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['gate'] } } },
    });
    const post = (b: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });

    expect((await post(body(0, 30))).status).toBe(200);
    // The first batch is still queued or in flight behind the gate: the next one is refused.
    expect((await post(body(30, 30))).status).toBe(429);

    open();
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

  // Found with bench row 4 (otlp → batch → jsonfile): records a batch processor holds reach the
  // exporter queue at once, and the queue dropped about half of what had been answered 200.
  it('counts the records a batch processor holds, so the exporter queue never drops what was accepted', async () => {
    const { service, url, received, open } = await gatedCollector({
      receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0', retry_after: 1 } } } },
      processors: { batch: { send_batch_size: 40, timeout: '300ms' } },
      // Refuses at 45: a held batch of 39 and 13 more would overflow it.
      exporters: { gate: { sending_queue: { queue_size: 50 } } },
      service: { pipelines: { logs: { receivers: ['otlp'], processors: ['batch'], exporters: ['gate'] } } },
    });
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
    open();
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
