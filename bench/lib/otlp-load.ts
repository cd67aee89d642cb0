/**
 * OTLP load generator (its own process, so its CPU is not the collector's):
 *   node bench/lib/otlp-load.ts <port> <clients> <warm-seconds> <seconds> [http|grpc]
 * Encodes 16 distinct ExportLogsServiceRequests of 512 records once (protobuf, with the
 * OpenTelemetry JS serializer), then each client sends them in a loop on its own connection:
 * POST /v1/logs (undici), or LogsService/Export calls (@grpc/grpc-js, one HTTP/2 connection per
 * client). A 429/503 or RESOURCE_EXHAUSTED/UNAVAILABLE is counted and retried after 10 ms. Prints
 * MEASURE_START / MEASURE_END when the measured window opens and closes, then one JSON line of
 * counts for that window.
 */
import { credentials, Client as GrpcClient, Metadata, status } from '@grpc/grpc-js';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { Client } from 'undici';
import { benchEvent } from './events.ts';
import { benchRecord } from './records.ts';

const [port, clients, warmS, measureS] = process.argv.slice(2, 6).map(Number);
const transport = process.argv[6] === 'grpc' ? 'grpc' : 'http';
const BATCH = 512;
const REQUESTS = 16;

const bodies: Uint8Array[] = [];
for (let r = 0; r < REQUESTS; r++) {
  const records = Array.from({ length: BATCH }, (_, k) => {
    const i = r * BATCH + k;
    return benchRecord(i, benchEvent(i, 0.1));
  });
  const body = ProtobufLogsSerializer.serializeRequest(records);
  if (!body) throw new Error('serializer returned nothing');
  bodies.push(body);
}

let measuring = false;
let stop = false;
const counts = { accepted: 0, refused: 0, errors: 0, requests: 0, bytes: 0 };
const latencies: number[] = [];

async function client(id: number): Promise<void> {
  const c = new Client(`http://127.0.0.1:${port}`, { pipelining: 1, keepAliveTimeout: 60_000 });
  let n = id;
  while (!stop) {
    const body = bodies[n++ % REQUESTS];
    const t0 = performance.now();
    try {
      const res = await c.request({
        method: 'POST',
        path: '/v1/logs',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      await res.body.dump();
      if (!measuring) continue;
      counts.requests++;
      if (res.statusCode === 200) {
        counts.accepted += BATCH;
        counts.bytes += body.length;
        latencies.push(performance.now() - t0);
      } else if (res.statusCode === 429 || res.statusCode === 503) {
        counts.refused++;
        await new Promise((r) => setTimeout(r, 10));
      } else counts.errors++;
    } catch {
      if (measuring) counts.errors++;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  await c.close();
}

const LOGS_EXPORT = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

async function grpcClient(id: number): Promise<void> {
  const c = new GrpcClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const bytes = (b: Buffer) => b;
  const call = (body: Uint8Array) =>
    new Promise<number>((resolve) =>
      c.makeUnaryRequest(LOGS_EXPORT, bytes, bytes, Buffer.from(body), new Metadata(), (error) =>
        resolve(error ? (error.code ?? status.UNKNOWN) : status.OK),
      ),
    );
  let n = id;
  while (!stop) {
    const body = bodies[n++ % REQUESTS];
    const t0 = performance.now();
    const code = await call(body);
    if (!measuring) continue;
    counts.requests++;
    if (code === status.OK) {
      counts.accepted += BATCH;
      counts.bytes += body.length;
      latencies.push(performance.now() - t0);
    } else if (code === status.RESOURCE_EXHAUSTED || code === status.UNAVAILABLE) {
      counts.refused++;
      await new Promise((r) => setTimeout(r, 10));
    } else {
      counts.errors++;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  c.close();
}

const running = Array.from({ length: clients }, (_, i) => (transport === 'grpc' ? grpcClient(i) : client(i)));
await new Promise((r) => setTimeout(r, warmS * 1000));
measuring = true;
process.stdout.write('MEASURE_START\n');
const t0 = performance.now();
await new Promise((r) => setTimeout(r, measureS * 1000));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
process.stdout.write('MEASURE_END\n');
stop = true;
await Promise.all(running);
latencies.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ ...counts, seconds, p50_ms: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN, p99_ms: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN })}\n`,
);
