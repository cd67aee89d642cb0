import { gzipSync } from 'node:zlib';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { context, SeverityNumber, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { classifyGrpcError } from '../../exporters/otlp/otlp-factory.ts';
import { RetryingExporter } from '../../exporters/otlp/retrying-exporter.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { retryDelayOf, STATUS_DETAILS_KEY, statusWithRetryInfo } from '../../model/wire/grpc-status.ts';
import { ProtoReader } from '../../model/wire/proto-reader.ts';
import { ProtoWriter } from '../../model/wire/proto-writer.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { objectSource } from '../../pipeline/config/source.ts';
import { ExportQueue } from '../../pipeline/export-queue.ts';
import { Service } from '../../pipeline/service.ts';
import { otlpReceiverConfig } from '../../receivers/otlp/otlp-receiver-factory.ts';
import { decodeLogsProto } from '../../receivers/otlp/proto-logs.ts';
import { gatedCollector } from './gated-collector.ts';

const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** The answer to one raw unary call: the response bytes, or the error with its trailers. */
function call(port: number, path: string, body: Uint8Array, options: Record<string, unknown> = {}) {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), options);
  return new Promise<{ response?: Buffer; error?: ServiceError }>((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new Metadata(),
      {},
      (error, response) => {
        client.close();
        resolve({ error: error ?? undefined, response });
      },
    );
  });
}

const str = (field: number, s: string) => new ProtoWriter().string(field, s);
const keyValue = (key: string, value: string) => new ProtoWriter().string(1, key).message(2, str(1, value));

/** An ExportLogsServiceRequest written with the project's own writer: `count` records with ids `<prefix>-<i>`. */
function logsRequest(prefix: string, count: number, extra: (i: number, w: ProtoWriter) => void = () => {}): Uint8Array {
  const scope = new ProtoWriter();
  for (let i = 0; i < count; i++) {
    const record = new ProtoWriter()
      .varint(2, SeverityNumber.WARN)
      .string(3, 'WARN')
      .message(5, str(1, `record ${i}`))
      .message(6, keyValue('id', `${prefix}-${i}`));
    extra(i, record);
    scope.message(2, record);
  }
  const resource = new ProtoWriter().message(1, keyValue('service.name', `svc-${prefix}`));
  return new ProtoWriter().message(1, new ProtoWriter().message(1, resource).message(2, scope)).finish();
}

/** partial_success of an Export*ServiceResponse: [rejected, message], or undefined when absent. */
function partialSuccess(response: Buffer): [number, string] | undefined {
  const r = new ProtoReader(response);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field !== 1 || wire !== 2) {
      r.skip(wire);
      continue;
    }
    const p = r.sub();
    let rejected = 0;
    let message = '';
    while (!p.done) {
      const t = p.tag();
      if (t.field === 1) rejected = p.varint();
      else if (t.field === 2) message = p.string();
      else p.skip(t.wire);
    }
    return [rejected, message];
  }
  return undefined;
}

const grpcOnly = (grpc: Record<string, unknown> = {}, exporter: Record<string, unknown> = {}) => ({
  receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0', ...grpc } } } },
  exporters: { gate: exporter },
  service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['gate'] } } },
});

describe('the OTLP/gRPC receiver', () => {
  it('is served when protocols.grpc is present, on 127.0.0.1:4317 with 4 MiB messages by default; HTTP alone otherwise', () => {
    const grpcOnly = otlpReceiverConfig.parse({ protocols: { grpc: null } }).protocols;
    expect(grpcOnly.http).toBeUndefined();
    expect(grpcOnly.grpc).toMatchObject({ endpoint: '127.0.0.1:4317', max_recv_msg_size_mib: 4 });
    const both = otlpReceiverConfig.parse({ protocols: { http: null, grpc: { endpoint: ':4317' } } }).protocols;
    expect(both.http?.endpoint).toBe('127.0.0.1:4318');
    expect(both.grpc?.endpoint).toBe(':4317');
    const neither = otlpReceiverConfig.parse({}).protocols;
    expect(neither.http?.endpoint).toBe('127.0.0.1:4318');
    expect(neither.grpc).toBeUndefined();
    expect(() => otlpReceiverConfig.parse({ protocols: { grpc: { endpoint: 'nowhere' } } })).toThrow(/host:port/);
  });

  it('takes logs from the OpenTelemetry JS gRPC exporter, plain and gzip, with trace IDs, severities and service names', async () => {
    const { service, received, grpc, http } = await gatedCollector(grpcOnly(), { open: true });
    // Only gRPC was asked for: no HTTP port is opened.
    expect(http).toBe(0);
    const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
    for (const compression of ['none', 'gzip']) {
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': `svc-${compression}` }),
        processors: [
          new SimpleLogRecordProcessor({
            exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${grpc}`, compression: compression as never }),
          }),
        ],
      });
      provider.getLogger('scope').emit({
        eventName: `via_${compression}`,
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: `sent with ${compression}`,
        attributes: { 'unitrack.category': 'task' },
        context: trace.setSpanContext(context.active(), spanContext),
      });
      await provider.forceFlush();
      await provider.shutdown();
    }
    await service.forceFlush();
    expect(received).toHaveLength(2);
    for (const [i, compression] of ['none', 'gzip'].entries()) {
      const r = received[i];
      expect(r.eventName).toBe(`via_${compression}`);
      expect(r.body).toBe(`sent with ${compression}`);
      expect(r.severityNumber).toBe(SeverityNumber.ERROR);
      expect(r.resource.attributes['service.name']).toBe(`svc-${compression}`);
      expect(r.spanContext).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId });
    }
    expect(
      service.telemetry.value('unitrack_receiver_accepted_records_total', { receiver: 'otlp', signal: 'logs', transport: 'grpc' }),
    ).toBe(2);
    await service.shutdown();
  });

  it('serves HTTP and gRPC side by side when both keys are present', async () => {
    const { service, received, grpc, http } = await gatedCollector(
      {
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } } } },
        exporters: { gate: {} },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['gate'] } } },
      },
      { open: true },
    );
    expect(http).toBeGreaterThan(0);
    expect(grpc).toBeGreaterThan(0);
    expect(service.describe().endpoints.map((e) => e.name)).toEqual(expect.arrayContaining(['OTLP/HTTP', 'OTLP/gRPC']));
    expect((await call(grpc, LOGS, logsRequest('g', 2))).error).toBeUndefined();
    const res = await fetch(`http://127.0.0.1:${http}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from(logsRequest('h', 3)),
    });
    expect(res.status).toBe(200);
    await service.forceFlush();
    expect(received.map((r) => r.attributes.id).sort()).toEqual(['g-0', 'g-1', 'h-0', 'h-1', 'h-2']);
    await service.shutdown();
  });

  it('turns trace span events that carry exceptions into records, with the span IDs', async () => {
    const { service, received, grpc } = await gatedCollector(grpcOnly(), { open: true });
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'traced' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${grpc}` }) })],
    });
    const span = provider.getTracer('t').startSpan('work');
    span.recordException(new TypeError('span went wrong'));
    span.addEvent('just_a_note');
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    await service.forceFlush();
    expect(received).toHaveLength(1);
    expect(received[0].eventName).toBe('exception');
    expect(received[0].attributes['exception.type']).toBe('TypeError');
    expect(received[0].resource.attributes['service.name']).toBe('traced');
    expect(received[0].spanContext).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    await service.shutdown();
  });

  it('reports partial success: a record with a malformed trace ID is rejected, the rest taken', async () => {
    const { service, received, grpc } = await gatedCollector(grpcOnly(), { open: true });
    const body = logsRequest('p', 3, (i, w) => {
      if (i === 1) w.bytes(9, Buffer.alloc(5, 1)); // a trace_id of 5 bytes
    });
    const { error, response } = await call(grpc, LOGS, body);
    expect(error).toBeUndefined();
    expect(partialSuccess(response as Buffer)).toEqual([1, expect.stringContaining('trace_id')]);
    // Everything accepted: no partial_success at all.
    const whole = await call(grpc, LOGS, logsRequest('q', 2));
    expect(partialSuccess(whole.response as Buffer)).toBeUndefined();
    await service.forceFlush();
    expect(received.map((r) => r.attributes.id).sort()).toEqual(['p-0', 'p-2', 'q-0', 'q-1']);
    await service.shutdown();
  });

  it('answers INVALID_ARGUMENT to malformed protobuf and refuses a message over max_recv_msg_size_mib, gzip or not', async () => {
    const { service, received, grpc } = await gatedCollector(grpcOnly({ max_recv_msg_size_mib: 0.05 }), { open: true });
    const malformed = await call(grpc, LOGS, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(malformed.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(malformed.error?.details).toMatch(/malformed protobuf/);
    expect(
      service.telemetry.value('unitrack_receiver_malformed_requests_total', { receiver: 'otlp', signal: 'logs', transport: 'grpc' }),
    ).toBe(1);

    // About 80 KiB of records, over the limit of 51 KiB; gzipped it is small on the wire, and still refused.
    const big = logsRequest('big', 2000);
    expect(big.length).toBeGreaterThan(0.05 * 1024 * 1024);
    expect(gzipSync(big).length).toBeLessThan(0.05 * 1024 * 1024);
    const plain = await call(grpc, LOGS, big);
    expect(plain.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const gzipped = await call(grpc, LOGS, big, { 'grpc.default_compression_algorithm': 2 });
    expect(gzipped.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(gzipped.error?.details).toMatch(/larger than/);

    // Under the limit, gzip is inflated and decoded as any other request.
    const small = await call(grpc, LOGS, logsRequest('small', 10), { 'grpc.default_compression_algorithm': 2 });
    expect(small.error).toBeUndefined();
    await service.forceFlush();
    expect(received).toHaveLength(10);
    await service.shutdown();
  });

  it('answers RESOURCE_EXHAUSTED with RetryInfo while queues are full, and takes the batch once they drain', async () => {
    const { service, received, grpc, open } = await gatedCollector(grpcOnly({ retry_after: 2 }, { sending_queue: { queue_size: 10 } }));
    // Idle: a batch larger than the exporter queue is taken whole.
    expect((await call(grpc, LOGS, logsRequest('a', 30))).error).toBeUndefined();
    // The first batch is held behind the gate: the next one is refused, with the delay to wait.
    const refused = await call(grpc, LOGS, logsRequest('b', 30));
    expect(refused.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const details = refused.error?.metadata.get(STATUS_DETAILS_KEY)[0];
    expect(Buffer.isBuffer(details)).toBe(true);
    expect(retryDelayOf(details as Buffer)).toBe(2000);
    expect(
      service.telemetry.value('unitrack_receiver_throttled_requests_total', { receiver: 'otlp', signal: 'logs', transport: 'grpc' }),
    ).toBe(1);

    open();
    await service.forceFlush();
    expect((await call(grpc, LOGS, logsRequest('b', 30))).error).toBeUndefined();
    await service.forceFlush();
    expect(new Set(received.map((r) => r.attributes.id)).size).toBe(60);
    expect(service.telemetry.value('unitrack_exporter_dropped_total', { exporter: 'gate' })).toBe(0);
    await service.shutdown();
  });

  it('answers UNAVAILABLE with RetryInfo to a request waiting for room when the collector starts draining', async () => {
    const { service, grpc, open } = await gatedCollector(grpcOnly({}, { sending_queue: { queue_size: 10 } }));
    expect((await call(grpc, LOGS, logsRequest('a', 30))).error).toBeUndefined();
    const waiting = call(grpc, LOGS, logsRequest('b', 30));
    const labels = { receiver: 'otlp', signal: 'logs', transport: 'grpc' };
    while (service.telemetry.value('unitrack_receiver_requests_total', labels) < 2) await new Promise((r) => setTimeout(r, 1));
    const stopped = service.shutdown();
    const { error } = await waiting;
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(error?.details).toMatch(/shutting down/);
    expect(retryDelayOf(error?.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer)).toBe(1000);
    open();
    await stopped;
  });

  it('names the address when the gRPC port is taken, and the collector does not start', async () => {
    const first = await gatedCollector(grpcOnly(), { open: true });
    const second = gatedCollector({
      ...grpcOnly(),
      receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: `127.0.0.1:${first.grpc}` } } } },
    });
    await expect(second).rejects.toThrow(`cannot listen on 127.0.0.1:${first.grpc}: address already in use (EADDRINUSE)`);
    await first.service.shutdown();
  });

  it('drains on shutdown: what was accepted is exported, then the port is closed', async () => {
    const { service, received, grpc } = await gatedCollector(grpcOnly(), { open: true });
    expect((await call(grpc, LOGS, logsRequest('s', 50))).error).toBeUndefined();
    await service.shutdown();
    expect(received).toHaveLength(50);
    const after = await call(grpc, LOGS, logsRequest('late', 1), { 'grpc.initial_reconnect_backoff_ms': 10 });
    expect(after.error?.code).toBe(status.UNAVAILABLE);
  });
});

/** A collector taking OTLP/HTTP and forwarding it with the gRPC exporter (`otlp_grpc`, or its older name `otlp`) configured as given. */
async function forwarder(otlp: Record<string, unknown>, type = 'otlp_grpc') {
  const service = new Service(
    resolveConfig(
      objectSource({
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
        exporters: { [type]: otlp },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: [type] } } },
      }),
      defaultRegistry(),
      {},
    ),
    { mode: 'collector' },
  );
  await service.start();
  const post = async (prefix: string, count: number) => {
    const res = await fetch(`http://127.0.0.1:${service.receivers.get('otlp')?.address?.port}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from(
        logsRequest(prefix, count, (i, w) => {
          w.bytes(9, Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex')).bytes(10, Buffer.from([i, 2, 3, 4, 5, 6, 7, 8]));
        }),
      ),
    });
    return res.status;
  };
  return { service, post };
}

describe('the otlp_grpc exporter', () => {
  it('round-trips into unitrack’s own gRPC receiver (by its older name, otlp): IDs, severities, service names unchanged', async () => {
    const downstream = await gatedCollector(grpcOnly(), { open: true });
    const { service, post } = await forwarder(
      { endpoint: `127.0.0.1:${downstream.grpc}`, tls: { insecure: true }, headers: { 'x-tenant': 'a' } },
      'otlp',
    );
    expect(await post('rt', 20)).toBe(200);
    await service.forceFlush();
    await downstream.service.forceFlush();
    expect(downstream.received).toHaveLength(20);
    const r = downstream.received.find((x) => x.attributes.id === 'rt-3');
    expect(r?.severityNumber).toBe(SeverityNumber.WARN);
    expect(r?.severityText).toBe('WARN');
    expect(r?.body).toBe('record 3');
    expect(r?.resource.attributes['service.name']).toBe('svc-rt');
    expect(r?.spanContext).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '0302030405060708' });
    expect(service.telemetry.value('unitrack_exporter_sent_total', { exporter: 'otlp' })).toBe(20);
    await service.shutdown();
    await downstream.service.shutdown();
  });

  it('sends its headers as gRPC metadata', async () => {
    const seen: { tenant?: unknown; records: number }[] = [];
    const server = new Server();
    const same = (b: Buffer) => b;
    server.addService(
      {
        Export: {
          path: LOGS,
          requestStream: false,
          responseStream: false,
          requestSerialize: same,
          requestDeserialize: same,
          responseSerialize: same,
          responseDeserialize: same,
        },
      },
      {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => {
          seen.push({ tenant: call.metadata.get('x-tenant')[0], records: decodeLogsProto(call.request).records.length });
          done(null, Buffer.alloc(0));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const { service, post } = await forwarder({ endpoint: `127.0.0.1:${port}`, tls: { insecure: true }, headers: { 'x-tenant': 'acme' } });
    expect(await post('h', 5)).toBe(200);
    await service.forceFlush();
    expect(seen).toEqual([{ tenant: 'acme', records: 5 }]);
    await service.shutdown();
    server.forceShutdown();
  });

  it('retries what a throttling receiver refuses (RESOURCE_EXHAUSTED with RetryInfo) until it is taken: nothing lost', async () => {
    const downstream = await gatedCollector(grpcOnly({ retry_after: 0 }, { sending_queue: { queue_size: 10 } }));
    const { service, post } = await forwarder({
      endpoint: `http://127.0.0.1:${downstream.grpc}`,
      retry_on_failure: { initial_interval: '10ms', max_interval: '50ms', max_elapsed_time: '30s' },
      sending_queue: { queue_size: 1000 },
    });
    for (let i = 0; i < 5; i++) expect(await post(`t${i}`, 30)).toBe(200);
    // Wait until the downstream has refused something, then let it go.
    while (downstream.service.telemetry.sum('unitrack_receiver_throttled_requests_total') === 0)
      await new Promise((r) => setTimeout(r, 10));
    downstream.open();
    await service.forceFlush();
    await downstream.service.forceFlush();
    expect(new Set(downstream.received.map((r) => r.attributes.id)).size).toBe(150);
    expect(service.telemetry.value('unitrack_exporter_failed_total', { exporter: 'otlp_grpc' })).toBe(0);
    expect(service.telemetry.value('unitrack_exporter_sent_total', { exporter: 'otlp_grpc' })).toBe(150);
    await service.shutdown();
    await downstream.service.shutdown();
  });

  it('retries as otelcol does: transient codes, and RESOURCE_EXHAUSTED only with RetryInfo; never INVALID_ARGUMENT', () => {
    const error = (code: number, retryInfo?: boolean) => {
      const metadata = new Metadata();
      if (retryInfo) metadata.set(STATUS_DETAILS_KEY, Buffer.from(statusWithRetryInfo(code, 'full', 1500)));
      return Object.assign(new Error('x'), { code, metadata });
    };
    expect(classifyGrpcError(error(status.UNAVAILABLE))).toEqual({ retryable: true, delayMs: undefined });
    expect(classifyGrpcError(error(status.UNAVAILABLE, true))).toEqual({ retryable: true, delayMs: 1500 });
    expect(classifyGrpcError(error(status.RESOURCE_EXHAUSTED, true))).toEqual({ retryable: true, delayMs: 1500 });
    expect(classifyGrpcError(error(status.RESOURCE_EXHAUSTED)).retryable).toBe(false);
    expect(classifyGrpcError(error(status.INVALID_ARGUMENT)).retryable).toBe(false);
    expect(classifyGrpcError(new Error('not a gRPC error')).retryable).toBe(false);
  });

  it('refuses a config without an endpoint, and names a TLS file it cannot read', async () => {
    const noEndpoint = {
      ...grpcOnly(),
      exporters: { otlp_grpc: {} },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['otlp_grpc'] } } },
    };
    expect(() => resolveConfig(objectSource(noEndpoint), defaultRegistry(), {})).toThrow(/exporters\.otlp_grpc\.endpoint/);
    const service = new Service(
      resolveConfig(
        objectSource({
          receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
          exporters: { otlp: { endpoint: 'localhost:4317', tls: { ca_file: '/nonexistent/ca.pem' } } },
          service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['otlp'] } } },
        }),
        defaultRegistry(),
        {},
      ),
      { mode: 'collector' },
    );
    await expect(service.start()).rejects.toThrow(/\/nonexistent\/ca\.pem/);
  });
});

describe('retries in front of the export queue', () => {
  const policy = {
    enabled: true,
    initialIntervalMs: 60_000,
    maxIntervalMs: 60_000,
    maxElapsedMs: 300_000,
    multiplier: 1.5,
    randomizationFactor: 0,
  };
  const failing = (calls: { n: number }) => ({
    export(_records: unknown[], done: (r: { code: number; error?: Error }) => void) {
      calls.n++;
      done({ code: ExportResultCode.FAILED, error: Object.assign(new Error('down'), { code: status.UNAVAILABLE }) });
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  });

  it('says how long an export with its retries may take, and the export queue waits that long', async () => {
    expect(new RetryingExporter(failing({ n: 0 }), policy, classifyGrpcError, 5000).exportTimeoutMillis).toBe(306_000);
    expect(new RetryingExporter(failing({ n: 0 }), { ...policy, maxElapsedMs: 0 }, classifyGrpcError, 5000).exportTimeoutMillis).toBe(
      2 ** 31 - 1,
    );
    expect(new RetryingExporter(failing({ n: 0 }), { ...policy, enabled: false }, classifyGrpcError, 5000).exportTimeoutMillis).toBe(
      30_000,
    );
    // An exporter that never calls back and allows itself 20 ms: the queue gives up then, not after 30 s.
    const telemetry = new Telemetry();
    const silent = { export() {}, forceFlush: async () => {}, shutdown: async () => {}, exportTimeoutMillis: 20 };
    const queue = new ExportQueue('silent', silent, telemetry);
    queue.onEmit({} as never);
    await queue.forceFlush();
    expect(telemetry.value('unitrack_exporter_failed_total', { exporter: 'silent' })).toBe(1);
  });

  it('shutdown ends a wait for the next attempt: the export fails now instead of after the interval', async () => {
    const calls = { n: 0 };
    const exporter = new RetryingExporter(failing(calls), policy, classifyGrpcError, 5000);
    const result = new Promise<{ code: number }>((resolve) => exporter.export([], resolve));
    await new Promise((r) => setTimeout(r, 10));
    await exporter.shutdown();
    expect((await result).code).toBe(ExportResultCode.FAILED);
    expect(calls.n).toBe(1);
  });

  it('does not retry a permanent error, and gives up once max_elapsed_time would be passed', async () => {
    const permanent = { n: 0 };
    const invalid = {
      ...failing(permanent),
      export(_r: unknown[], done: (r: { code: number; error?: Error }) => void) {
        permanent.n++;
        done({ code: ExportResultCode.FAILED, error: Object.assign(new Error('bad'), { code: status.INVALID_ARGUMENT }) });
      },
    };
    const once = await new Promise<{ code: number }>((resolve) =>
      new RetryingExporter(invalid, policy, classifyGrpcError, 5000).export([], resolve),
    );
    expect([once.code, permanent.n]).toEqual([ExportResultCode.FAILED, 1]);
    const calls = { n: 0 };
    const short = { ...policy, initialIntervalMs: 5, maxIntervalMs: 5, maxElapsedMs: 40 };
    const given = await new Promise<{ code: number }>((resolve) =>
      new RetryingExporter(failing(calls), short, classifyGrpcError, 5000).export([], resolve),
    );
    expect(given.code).toBe(ExportResultCode.FAILED);
    expect(calls.n).toBeGreaterThan(1);
  });
});
