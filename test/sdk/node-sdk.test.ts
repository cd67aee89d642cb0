import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { track, unitrackProcessor } from '../../sdk/index.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

// This test is about logs: no trace or metric exporters dialling a collector that isn't there.
process.env.OTEL_METRICS_EXPORTER = 'none';
process.env.OTEL_LOGS_EXPORTER = 'none';
const file = join(tempDir(), 'events.jsonl');
const processor = unitrackProcessor({
  receivers: { otlp: {} },
  exporters: { jsonfile: { path: file } },
  service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
});
const sdk = new NodeSDK({
  serviceName: 'with-node-sdk',
  logRecordProcessors: [processor],
  spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
  instrumentations: [],
});
sdk.start();
afterAll(() => sdk.shutdown());

describe('unitrackProcessor beside an existing NodeSDK', () => {
  it('runs the pipeline on the application’s own log records and on track()', async () => {
    trace.getTracer('app').startActiveSpan('op', (span) => {
      track({ event: 'from_track', message: 'tracked', severity: 'medium' });
      span.end();
    });
    await processor.forceFlush();
    const lines = readJsonLines(file);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: 'from_track', severity: 'medium', service: 'with-node-sdk' });
    expect(lines[0].trace_id).toMatch(/^[0-9a-f]{32}$/);
  });
});
