import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { freePort, otelcolBinary, Processes, repo, startOtelcol, startUnitrack, waitFor } from './helpers/otelcol.ts';

// collector-config/otelcol/scale-out.yaml for real: otelcol's load_balancing exporter in front of
// three unitrack collectors, sending OTLP/gRPC (the only protocol it speaks) straight to their
// gRPC receivers, with no sidecar. Every record of one unitrack group must reach one instance, so
// that instance's fingerprint processor counts the whole group.

const build = otelcolBinary();
const skip = 'skip' in build ? build.skip : undefined;
if (skip) console.warn(`otelcol interop skipped: ${skip}`);

const TYPES = ['TypeError', 'RangeError', 'DatabaseError', 'TimeoutError'];
const COMPONENTS = ['api', 'worker', 'billing'];
const PER_GROUP = 8;
const INSTANCES = 3;

function unitrackConfig(dir: string, i: number, port: number): string {
  return `receivers:
  otlp:
    protocols: { grpc: { endpoint: 127.0.0.1:${port} } }
processors:
  fingerprint:
    store: { path: ${JSON.stringify(join(dir, `groups-${i}.db`))} }
exporters:
  jsonfile: { path: ${JSON.stringify(join(dir, `unitrack-${i}.jsonl`))} }
service:
  pipelines:
    logs: { receivers: [otlp], processors: [fingerprint], exporters: [jsonfile] }
`;
}

/** Records of every (type, component) group, interleaved, with numbers in the messages that normalize away. */
function requestBody(round: number): string {
  const logRecords = TYPES.flatMap((type) =>
    COMPONENTS.map((component) => ({
      severityNumber: 17,
      severityText: 'HIGH',
      eventName: 'job_failed',
      body: { stringValue: `job ${1000 + round} failed after ${round * 7} ms` },
      attributes: [
        { key: 'exception.type', value: { stringValue: type } },
        { key: 'exception.message', value: { stringValue: `job ${1000 + round} failed after ${round * 7} ms` } },
        { key: 'unitrack.component', value: { stringValue: component } },
        { key: 'group', value: { stringValue: `${type}/${component}` } },
        { key: 'rid', value: { stringValue: `${type}/${component}/${round}` } },
      ],
    })),
  );
  return JSON.stringify({
    resourceLogs: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${round % 2}` } }] }, scopeLogs: [{ logRecords }] },
    ],
  });
}

describe.skipIf(skip !== undefined)(`otelcol scale-out.yaml → three unitrack collectors${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const processes = new Processes();
  const dir = tempDir('unitrack-otelcol-scale-');
  const total = TYPES.length * COMPONENTS.length * PER_GROUP;
  const perInstance = () => Array.from({ length: INSTANCES }, (_, i) => readJsonLines<EventJson>(join(dir, `unitrack-${i}.jsonl`)));

  beforeAll(async () => {
    if ('error' in build) throw new Error(build.error);
    const bin = (build as { bin: string }).bin;
    const grpcPorts: number[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const grpcPort = await freePort();
      grpcPorts.push(grpcPort);
      const unitrack = processes.add(startUnitrack(`unitrack-${i}`, dir, unitrackConfig(dir, i, grpcPort)));
      await unitrack.waitForPort(grpcPort);
    }
    const lbPort = await freePort();
    const lb = processes.add(
      startOtelcol(bin, 'load-balancer', join(repo, 'collector-config', 'otelcol', 'scale-out.yaml'), {
        SCALE_OUT_OTLP_HTTP_ENDPOINT: `127.0.0.1:${lbPort}`,
        UNITRACK_BACKEND_1: `127.0.0.1:${grpcPorts[0]}`,
        UNITRACK_BACKEND_2: `127.0.0.1:${grpcPorts[1]}`,
        UNITRACK_BACKEND_3: `127.0.0.1:${grpcPorts[2]}`,
      }),
    );
    await lb.waitForPort(lbPort);
    for (let round = 0; round < PER_GROUP; round++) {
      const res = await fetch(`http://127.0.0.1:${lbPort}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: requestBody(round),
      });
      expect(res.status, await res.text()).toBe(200);
    }
    await waitFor(
      () => perInstance().flat().length >= total,
      120_000,
      () => `${perInstance().flat().length} of ${total} records arrived\n${processes.output()}`,
    );
  });

  afterAll(async () => {
    await processes.stopAll();
  });

  it('every record arrives once', () => {
    const rids = perInstance()
      .flat()
      .map((e) => String(e.attributes?.rid));
    expect(new Set(rids).size).toBe(total);
    expect(rids).toHaveLength(total);
  });

  it('each group lands on exactly one instance, and the groups are spread over more than one', () => {
    const where = new Map<string, Set<number>>();
    perInstance().forEach((events, i) => {
      for (const e of events) {
        const g = String(e.attributes?.group);
        where.set(g, (where.get(g) ?? new Set()).add(i));
      }
    });
    expect(where.size).toBe(TYPES.length * COMPONENTS.length);
    for (const [group, instances] of where) expect([...instances], group).toHaveLength(1);
    expect(new Set([...where.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
  });

  it("that instance's fingerprint processor counts the whole group", () => {
    for (const events of perInstance()) {
      const byFingerprint = new Map<string, number[]>();
      for (const e of events) {
        expect(e.fingerprint).toMatch(/^[0-9a-f]{16,}$/);
        byFingerprint.set(e.fingerprint as string, [...(byFingerprint.get(e.fingerprint as string) ?? []), e.group_count ?? 0]);
      }
      for (const counts of byFingerprint.values())
        expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: PER_GROUP }, (_, k) => k + 1));
    }
  });
});
