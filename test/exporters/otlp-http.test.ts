import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

/** A unitrack collector as the "any OTLP backend", writing what it receives to JSON lines. */
const dir = tempDir();
const backendFile = join(dir, 'backend.jsonl');
const backend = new Service(
  loadServiceConfig({
    receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
    exporters: { jsonfile: { path: backendFile } },
    service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
  }),
  { mode: 'collector' },
);
await backend.start();
const endpoint = `http://127.0.0.1:${backend.receivers.get('otlp')?.address?.port}`;
afterAll(() => backend.shutdown());

describe.each(['proto', 'json'])('the otlp_http exporter (%s)', (encoding) => {
  it('forwards records with trace IDs, span IDs, resource and every attribute unchanged', async () => {
    const forwarder = new Service(
      loadServiceConfig({
        receivers: { otlp: {} },
        exporters: { otlphttp: { endpoint, encoding } },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['otlphttp'] } } },
      }),
    );
    forwarder.ingest([
      new PipelineRecord({
        hrTime: [1_763_834_592, 123_000_000],
        resource: resourceFromAttributes({ 'service.name': `fwd-${encoding}`, 'service.version': '2.1.0' }),
        instrumentationScope: { name: 'scope', version: '1.0.0' },
        body: 'forwarded',
        eventName: `forwarded_${encoding}`,
        severityNumber: 17,
        severityText: 'HIGH',
        spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 },
        attributes: {
          'unitrack.fingerprint': 'abcdef0123456789abcdef0123456789',
          count: 3,
          nested: { list: [1, 'two', true] },
          ratio: 0.5,
        },
      }),
    ]);
    await forwarder.shutdown();
    await backend.forceFlush();
    const line = readJsonLines(backendFile).find((l) => l.event === `forwarded_${encoding}`);
    expect(line).toMatchObject({
      time: '2025-11-22T18:03:12.123Z',
      severity: 'high',
      message: 'forwarded',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      service: `fwd-${encoding}`,
      fingerprint: 'abcdef0123456789abcdef0123456789',
      attributes: { count: 3, nested: { list: [1, 'two', true] }, ratio: 0.5 },
    });
  });
});
