import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { freshDatabase } from '../store/helpers/fleet.ts';
import { PgCluster, postgresMissing } from '../store/helpers/pg-cluster.ts';
import { Child, freePort, otelcolBinary, Processes, repo, startUnitrack, waitFor } from './helpers/otelcol.ts';

// collector-config/otelcol/scale-out.yaml for real: otelcol's load_balancing exporter routing by
// trace ID in front of unitrack collectors that share one PostgreSQL group store (a throwaway
// cluster), sending OTLP/gRPC straight to their gRPC receivers. Every record has its own trace,
// so every group is scattered over every instance: the fleet must still behave as one (one
// new-group alert per group, exact counts and users), through an instance stopped and replaced
// mid-run, the database stopped and started under load, and a backend added.

const build = otelcolBinary();
const missingPg = postgresMissing();
const skip = 'skip' in build ? build.skip : missingPg;
if (skip) console.warn(`otelcol scale-out interop skipped: ${skip}`);

const TYPES = ['TypeError', 'RangeError', 'DatabaseError', 'TimeoutError'];
const COMPONENTS = ['api', 'worker', 'billing'];
const GROUPS = TYPES.length * COMPONENTS.length;
/** Records a group gets per round (each with its own trace ID). */
const PER_ROUND = 3;
const ROUNDS_PER_PHASE = 4;
const USERS = 5;

function unitrackConfig(dir: string, name: string, port: number, url: string): string {
  return `receivers:
  otlp:
    protocols: { grpc: { endpoint: 127.0.0.1:${port} } }
processors:
  fingerprint:
    store: { url: "${url}", flush_interval: 100ms }
    alerts: { thresholds: [10], severity: false }
exporters:
  jsonfile: { path: ${JSON.stringify(join(dir, `${name}.jsonl`))} }
service:
  pipelines:
    logs: { receivers: [otlp], processors: [fingerprint], exporters: [jsonfile] }
`;
}

/** Records of every (type, component) group, each with its own trace, numbers in the messages that normalize away. */
function requestBody(round: number): string {
  const logRecords = TYPES.flatMap((type) =>
    COMPONENTS.flatMap((component) =>
      Array.from({ length: PER_ROUND }, (_, k) => ({
        severityNumber: 17,
        severityText: 'HIGH',
        traceId: randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        body: { stringValue: `job ${1000 + round} failed after ${round * 7 + k} ms` },
        attributes: [
          { key: 'exception.type', value: { stringValue: type } },
          { key: 'exception.message', value: { stringValue: `job ${1000 + round} failed after ${round * 7 + k} ms` } },
          { key: 'unitrack.component', value: { stringValue: component } },
          { key: 'user.id', value: { stringValue: `user-${(round + k) % USERS}` } },
          { key: 'group', value: { stringValue: `${type}/${component}` } },
          { key: 'rid', value: { stringValue: `${type}/${component}/${round}/${k}` } },
        ],
      })),
    ),
  );
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords }] }] });
}

describe.skipIf(skip !== undefined)(
  `otelcol scale-out.yaml → unitrack collectors sharing PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const processes = new Processes();
    const dir = tempDir('unitrack-otelcol-scale-');
    let cluster: PgCluster;
    let url: string;
    const names = ['unitrack-a', 'unitrack-b', 'unitrack-c', 'unitrack-d'];
    const ports = new Map<string, number>();
    const instances = new Map<string, Child>();
    let lb: Child | undefined;
    let lbPort = 0;
    let sent = 0;
    const events = () => names.flatMap((n, i) => readJsonLines<EventJson>(join(dir, `${n}.jsonl`)).map((e) => ({ e, at: i })));

    async function startInstance(name: string) {
      const port = ports.get(name) ?? (await freePort());
      ports.set(name, port);
      const child = processes.add(startUnitrack(name, dir, unitrackConfig(dir, name, port, url)));
      instances.set(name, child);
      await child.waitForPort(port);
    }

    /** (Re)starts the tier in front of `backends` (the shipped file, its hostnames overridden past three). */
    async function startTier(backends: string[]) {
      await lb?.stop();
      lbPort = await freePort();
      const bin = (build as { bin: string }).bin;
      const hosts = backends.map((b) => `127.0.0.1:${ports.get(b)}`);
      const args = ['--config', `file:${join(repo, 'collector-config', 'otelcol', 'scale-out.yaml')}`];
      args.push('--config', 'yaml:service::telemetry::metrics::level: none');
      if (hosts.length > 3) args.push('--config', `yaml:exporters::load_balancing::resolver::static::hostnames: [${hosts.join(', ')}]`);
      lb = processes.add(
        new Child(`load-balancer-${backends.length}`, bin, args, {
          SCALE_OUT_OTLP_HTTP_ENDPOINT: `127.0.0.1:${lbPort}`,
          UNITRACK_BACKEND_1: hosts[0],
          UNITRACK_BACKEND_2: hosts[1],
          UNITRACK_BACKEND_3: hosts[2],
        }),
      );
      await lb.waitForPort(lbPort);
    }

    async function rounds(from: number, count: number) {
      for (let round = from; round < from + count; round++) {
        const res = await fetch(`http://127.0.0.1:${lbPort}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: requestBody(round),
        });
        expect(res.status, await res.text()).toBe(200);
        sent += GROUPS * PER_ROUND;
        // Each round is written (and flushed) before the next: instances see each other's counts.
        await waitFor(
          () => events().length >= sent,
          120_000,
          () => `${events().length} of ${sent} records arrived\n${processes.output()}`,
        );
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    beforeAll(async () => {
      if ('error' in build) throw new Error(build.error);
      cluster = await PgCluster.start();
      url = await freshDatabase(cluster.url);
      for (const n of names.slice(0, 3)) await startInstance(n);
      await startTier(names.slice(0, 3));
      await rounds(0, ROUNDS_PER_PHASE);
      // Instance c stops mid-run; d takes its place behind the tier.
      await instances.get('unitrack-c')?.stop();
      await startInstance('unitrack-d');
      await startTier(['unitrack-a', 'unitrack-b', 'unitrack-d']);
      await rounds(ROUNDS_PER_PHASE, 1);
      // The database stops under load for a round: the records still flow, the counts wait.
      cluster.pause();
      try {
        await rounds(ROUNDS_PER_PHASE + 1, 1);
      } finally {
        cluster.resume();
      }
      await rounds(ROUNDS_PER_PHASE + 2, ROUNDS_PER_PHASE - 2);
      // c comes back, as a fourth backend.
      await startInstance('unitrack-c');
      await startTier(names);
      await rounds(2 * ROUNDS_PER_PHASE, ROUNDS_PER_PHASE);
      // Every instance stops (SIGTERM drains and flushes): the database holds every count.
      await Promise.all([...instances.values()].map((c) => c.stop()));
    }, 600_000);

    afterAll(async () => {
      await processes.stopAll();
      cluster?.stop();
    });

    it('every record arrives once, and each group is scattered over several instances', () => {
      const all = events();
      const rids = all.map(({ e }) => String(e.attributes?.rid));
      expect(rids).toHaveLength(sent);
      expect(new Set(rids).size).toBe(sent);
      const where = new Map<string, Set<number>>();
      for (const { e, at } of all) where.set(String(e.attributes?.group), (where.get(String(e.attributes?.group)) ?? new Set()).add(at));
      expect(where.size).toBe(GROUPS);
      for (const [group, on] of where) expect(on.size, group).toBeGreaterThan(1);
    });

    it('one new-group alert per group across the fleet, and one for threshold 10, through the restart, the outage and the added backend', () => {
      const alerts = new Map<string, string[]>();
      for (const { e } of events()) {
        const reason = (e as EventJson & { alert?: { reason: string; detail?: string } }).alert;
        if (!reason) continue;
        const label = reason.detail ? `${reason.reason}:${reason.detail}` : reason.reason;
        alerts.set(String(e.attributes?.group), [...(alerts.get(String(e.attributes?.group)) ?? []), label]);
      }
      expect(alerts.size).toBe(GROUPS);
      for (const [group, labels] of alerts) expect(labels.sort(), group).toEqual(['new_group', 'threshold:10']);
    });

    it('the shared store counts every group exactly, and its users', async () => {
      const client = new pg.Client(url);
      await client.connect();
      try {
        const r = await client.query<{ count: string; user_count: number }>('SELECT count, user_count FROM unitrack.groups');
        expect(r.rows).toHaveLength(GROUPS);
        for (const row of r.rows) {
          expect(Number(row.count)).toBe(3 * ROUNDS_PER_PHASE * PER_ROUND);
          expect(row.user_count).toBe(USERS);
        }
      } finally {
        await client.end();
      }
    });
  },
);
