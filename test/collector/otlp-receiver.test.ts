import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const file = join(tempDir(), 'events.jsonl');
let service: Service;
let base = '';

beforeAll(async () => {
  service = new Service(
    loadServiceConfig({
      receivers: {
        otlp: {
          protocols: { http: { endpoint: '127.0.0.1:0', max_request_body_size: 1024 * 1024, max_decompressed_size: 4 * 1024 * 1024 } },
        },
      },
      exporters: { jsonfile: { path: file } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
    }),
    { mode: 'collector' },
  );
  await service.start();
  base = `http://127.0.0.1:${service.receivers.get('otlp')?.address?.port}`;
});
afterAll(() => service.shutdown());

function post(
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function emitWith(exporter: OTLPLogExporterProto | OTLPLogExporterJson, event: string) {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': `svc-${event}` }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  provider.getLogger('scope-a', '1.2.3').emit({
    eventName: event,
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: `body of ${event}`,
    attributes: { 'unitrack.category': 'task', count: 3, nested: { a: [1, 'two'] }, __proto__: 'plain' } as never,
    context: undefined,
  });
  return provider;
}

describe('the OTLP/HTTP receiver', () => {
  it.each([
    ['protobuf', () => new OTLPLogExporterProto({ url: `${base}/v1/logs` }), 'via_proto'],
    ['JSON', () => new OTLPLogExporterJson({ url: `${base}/v1/logs` }), 'via_json'],
    ['protobuf with gzip', () => new OTLPLogExporterProto({ url: `${base}/v1/logs`, compression: 'gzip' as never }), 'via_gzip'],
  ])('takes logs in %s from the OpenTelemetry JS exporter', async (_name, make, event) => {
    const provider = emitWith(make(), event);
    await provider.forceFlush();
    await provider.shutdown();
    await service.forceFlush();
    const line = readJsonLines(file).find((l) => l.event === event);
    expect(line).toMatchObject({
      severity: 'high',
      message: `body of ${event}`,
      category: 'task',
      service: `svc-${event}`,
      attributes: { count: 3, nested: { a: [1, 'two'] } },
    });
    expect(({} as Record<string, unknown>).plain).toBeUndefined();
  });

  it('turns span events that carry exceptions into records with the span IDs', async () => {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'traced' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }) })],
    });
    const span = provider.getTracer('t').startSpan('work');
    span.recordException(new TypeError('span went wrong'));
    span.addEvent('just_a_note');
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    await service.forceFlush();
    const lines = readJsonLines(file).filter((l) => l.service === 'traced');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      event: 'exception',
      severity: 'high',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      error: { type: 'TypeError', message: 'span went wrong' },
    });
  });

  it.each([
    [
      'malformed protobuf',
      '/v1/logs',
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]),
      { 'content-type': 'application/x-protobuf' },
      400,
    ],
    ['malformed JSON', '/v1/logs', '{"resourceLogs": [', { 'content-type': 'application/json' }, 400],
    ['JSON of the wrong shape', '/v1/logs', '{"resourceLogs": 7}', { 'content-type': 'application/json' }, 400],
    ['a wrong content type', '/v1/logs', 'hello', { 'content-type': 'text/plain' }, 415],
    ['an unknown path', '/v1/metrics', '{}', { 'content-type': 'application/json' }, 404],
    ['an oversized body', '/v1/logs', Buffer.alloc(2 * 1024 * 1024, 1), { 'content-type': 'application/x-protobuf' }, 413],
    [
      'a gzip bomb',
      '/v1/logs',
      gzipSync(Buffer.alloc(64 * 1024 * 1024)),
      { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      413,
    ],
    [
      'a broken gzip stream',
      '/v1/logs',
      Buffer.from('not gzip at all'),
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      400,
    ],
  ])('answers %s correctly and keeps serving', async (_name, path, body, headers, status) => {
    const res = await post(path, body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    const ok = await post('/v1/logs', '{"resourceLogs":[]}', { 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
  });

  it('reports records with bad IDs as a partial success', async () => {
    const body = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  body: { stringValue: 'good' },
                  eventName: 'partial_good',
                  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                  spanId: '00f067aa0ba902b7',
                },
                { body: { stringValue: 'bad' }, traceId: 'abcd' },
              ],
            },
          ],
        },
      ],
    });
    const res = await post('/v1/logs', body, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } });
    await service.forceFlush();
    expect(readJsonLines(file).find((l) => l.event === 'partial_good')).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it('serves /healthz and /metrics', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('unitrack_receiver_accepted_records_total{receiver="otlp",signal="logs"}');
    expect(metrics).toContain('unitrack_exporter_sent_total{exporter="jsonfile"}');
  });
});
