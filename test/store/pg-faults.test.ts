// The shared store's faults: a database unreachable at start, lost while running, an instance
// killed with SIGKILL. The records keep flowing; the counts catch up.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Telemetry } from '../../model/telemetry.ts';
import { fingerprintConfig } from '../../processors/fingerprint/fingerprint-factory.ts';
import { emptyBatch, flushBatch } from '../../processors/fingerprint/postgres/pg-flush.ts';
import { PgGroupStore } from '../../processors/fingerprint/postgres/pg-group-store.ts';
import { freePort, ready, startCollector } from '../collector/collector-process.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { tempDir } from '../helpers/tmp.ts';
import { errorRecord, freshDatabase, groupBody, type Instance, startInstance } from './helpers/fleet.ts';
import { PgCluster, postgresMissing, skipped } from './helpers/pg-cluster.ts';

const missing = postgresMissing();

describe('store.url in the config', () => {
  const parse = (store: Record<string, unknown>) => fingerprintConfig.safeParse({ store });
  it('takes a postgresql:// URL, and an empty one (an unset variable) as no URL', () => {
    expect(parse({ url: 'postgresql://u:p@db.internal:5432/unitrack' }).success).toBe(true);
    expect(parse({ url: '', path: 'groups.db' }).success).toBe(true);
  });
  it('collector-config/examples/scale-out-instance.yaml loads, its store the URL from UNITRACK_STORE_URL', () => {
    const file = fileURLToPath(new URL('../../collector-config/examples/scale-out-instance.yaml', import.meta.url));
    const env = { UNITRACK_STORE_URL: 'postgresql://unitrack:pw@db.internal:5432/unitrack', UNITRACK_DASHBOARD_TOKEN: 't' };
    const config = loadServiceConfig(file, env);
    const fingerprint = config.processors.get('fingerprint')?.config as { store: { url?: string } };
    expect(fingerprint.store.url).toBe(env.UNITRACK_STORE_URL);
  });

  it('names what is wrong: path and url both, another scheme, not a URL, no host', () => {
    const message = (store: Record<string, unknown>) => {
      const r = parse(store);
      return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(message({ url: 'postgresql://h/db', path: 'x.db' })).toContain('url: give path (a SQLite file) or url (PostgreSQL), not both');
    expect(message({ url: 'mysql://h/db' })).toContain('url: the store URL must start with postgresql:// (got mysql://)');
    expect(message({ url: 'db.internal:5432' })).toMatch(/url: (not a URL|the store URL must start)/);
    expect(message({ url: 'postgresql:///db' })).toContain('names no host');
    // The password never appears in an error.
    expect(message({ url: 'postgresql://u:s3cret@h:99999/db' })).not.toContain('s3cret');
  });
});

describe.skipIf(missing !== undefined)(`group store on PostgreSQL, faults${skipped(missing)}`, () => {
  let cluster: PgCluster;
  const running: Instance[] = [];

  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);

  afterAll(async () => {
    for (const i of running) await i.stop().catch(() => undefined);
    cluster?.stop();
  });

  it('a database unreachable at start: the collector exits 1 naming it, without its password', async () => {
    const dir = tempDir('pg-unreachable');
    const port = await freePort();
    const config = join(dir, 'collector.yaml');
    writeFileSync(
      config,
      `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${await freePort()} } } }
processors:
  fingerprint: { store: { url: "postgresql://unitrack:hunter2@127.0.0.1:${port}/groups" } }
exporters:
  jsonfile: { path: ${JSON.stringify(join(dir, 'events.jsonl'))} }
service:
  pipelines:
    logs: { receivers: [otlp], processors: [fingerprint], exporters: [jsonfile] }
`,
    );
    const p = startCollector(config);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain(`cannot connect to the group store postgresql://unitrack:***@127.0.0.1:${port}/groups`);
    expect(p.stderr()).not.toContain('hunter2');
  }, 30_000);

  it('the database lost while running: records keep flowing, counts wait and catch up when it is back', async () => {
    const url = await freshDatabase(cluster.url);
    const alerts = { new_group: true, thresholds: [], window: { count: 0 }, users: { count: 0 }, severity: false };
    const a = await startInstance(url, alerts);
    const b = await startInstance(url, alerts);
    running.push(a, b);
    const feed = async (n: number, groups: number) => {
      for (let i = 0; i < n; i++) {
        a.processor.onEmit(errorRecord(groupBody(i % groups)));
        b.processor.onEmit(errorRecord(groupBody(i % groups)));
      }
      await Promise.all([a.processor.forceFlush(), b.processor.forceFlush()]);
    };
    await feed(20, 4);
    cluster.pause();
    try {
      // Known groups and a group first seen during the outage: every record still comes out.
      await feed(20, 5);
      expect(a.out.records).toHaveLength(40);
      expect(b.out.records).toHaveLength(40);
      expect(a.telemetry.value('unitrack_group_store_up')).toBe(0);
      expect(a.telemetry.value('unitrack_group_store_flush_failures_total')).toBeGreaterThan(0);
      expect(a.telemetry.value('unitrack_group_store_pending_rows')).toBeGreaterThan(0);
    } finally {
      cluster.resume();
    }
    await feed(10, 5);
    await a.groups.flushAsync();
    await b.groups.flushAsync();
    expect(a.telemetry.value('unitrack_group_store_up')).toBe(1);
    const groups = await a.groups.list();
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(100);
    // Groups 0-3 were new before the outage (one alert each); group 4, first seen while the
    // database was away, could not be claimed: no alert rather than one per instance.
    const newGroups = [...a.alerts(), ...b.alerts()].filter((x) => x.alert === 'new_group');
    expect(newGroups).toHaveLength(4);
    expect(a.telemetry.value('unitrack_group_store_claim_failures_total')).toBeGreaterThan(0);
  }, 60_000);

  it('a batch that cannot be written is bounded: past it records are counted as dropped, not kept', async () => {
    const url = await freshDatabase(cluster.url);
    const telemetry = new Telemetry();
    const store = new PgGroupStore({ url, maxGroups: 100, groupTtlMs: 86_400_000, flushIntervalMs: 60_000, telemetry, maxPending: 6 });
    await store.start();
    try {
      for (let g = 0; g < 10; g++) {
        const o = { fingerprint: `${g}`.padStart(16, 'a'), title: `t${g}`, message: 'm', severity: 'high' as const, isError: true };
        store.observe({ ...o, time: Date.UTC(2026, 0, 1), event: () => '{}' });
      }
      expect(telemetry.value('unitrack_group_store_dropped_total')).toBeGreaterThan(0);
      expect(telemetry.value('unitrack_group_store_pending_rows')).toBeLessThanOrEqual(6);
    } finally {
      await store.close();
    }
  });

  it('the hold is bounded: past 10,000 records waiting for the database, records pass at once (counted), none is lost', async () => {
    const url = await freshDatabase(cluster.url);
    const alerts = { new_group: true, thresholds: [], window: { count: 0 }, users: { count: 0 }, severity: false };
    const a = await startInstance(url, alerts);
    running.push(a);
    // 10,050 new groups in one turn (grouped upstream: a unitrack.fingerprint each), each waiting for its creation.
    const n = 10_050;
    for (let i = 0; i < n; i++) a.processor.onEmit(errorRecord('import failed', { fingerprint: i.toString(16).padStart(16, '0') }));
    expect(a.processor.holds()).toBe(10_000);
    expect(a.telemetry.value('unitrack_fingerprint_hold_full_total')).toBe(50);
    expect(a.out.records).toHaveLength(50);
    await a.processor.forceFlush();
    expect(a.processor.holds()).toBe(0);
    expect(a.out.records).toHaveLength(n);
    // The 50 that passed at once could not wait for their claim: 10,000 new groups, not 10,050.
    expect(a.alerts().filter((x) => x.alert === 'new_group')).toHaveLength(10_000);
    expect((await a.groups.stats()).groups).toBe(n);
  }, 60_000);

  it('a batch written again after its COMMIT answer was lost is not counted twice', async () => {
    const url = await freshDatabase(cluster.url);
    const store = new PgGroupStore({ url, maxGroups: 100, groupTtlMs: 86_400_000, flushIntervalMs: 60_000, telemetry: new Telemetry() });
    await store.start();
    try {
      const o = { fingerprint: 'b'.repeat(16), title: 't', message: 'm', severity: 'high' as const, isError: true, time: Date.now() };
      await store.load({ ...o, event: () => '{}' });
      const batch = emptyBatch();
      batch.groups.set(o.fingerprint, {
        ...o,
        count: 3,
        firstSeen: o.time,
        lastSeen: o.time,
        users: new Set(),
        registers: undefined,
        events: [],
        tags: new Map(),
      });
      const id = { instance: 'instance-under-test', seq: 1 };
      expect((await flushBatch(store.pool, batch, id)).applied).toBe(true);
      // The same batch again, as a retry after a lost answer would send it: recognised, nothing written.
      expect((await flushBatch(store.pool, batch, id)).applied).toBe(false);
      expect((await flushBatch(store.pool, batch, { ...id, seq: 2 })).applied).toBe(true);
      expect((await store.get(o.fingerprint))?.count).toBe(6);
    } finally {
      await store.close();
    }
  });

  it('kill -9 loses at most the interval since the last flush', async () => {
    const url = await freshDatabase(cluster.url);
    const dir = tempDir('pg-kill');
    const port = await freePort();
    const config = join(dir, 'collector.yaml');
    writeFileSync(
      config,
      `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
processors:
  fingerprint: { store: { url: "${url}", flush_interval: 200ms } }
exporters:
  jsonfile: { path: ${JSON.stringify(join(dir, 'events.jsonl'))} }
service:
  pipelines:
    logs: { receivers: [otlp], processors: [fingerprint], exporters: [jsonfile] }
`,
    );
    const p = startCollector(config);
    try {
      await ready(p);
      const logRecords = Array.from({ length: 50 }, (_, i) => ({
        severityNumber: 17,
        body: { stringValue: `payment failed ${i % 5 === 0 ? 'card' : 'bank'}` },
        timeUnixNano: `${Date.now()}000000`,
      }));
      const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceLogs: [{ resource: {}, scopeLogs: [{ logRecords }] }] }),
      });
      expect(res.status).toBe(200);
      // Two flush intervals: everything counted is committed.
      const client = new pg.Client(url);
      await client.connect();
      const total = async () => Number((await client.query('SELECT coalesce(sum(count), 0) AS n FROM unitrack.groups')).rows[0].n);
      const deadline = Date.now() + 10_000;
      while ((await total()) < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      p.child.kill('SIGKILL');
      await p.exited;
      expect(await total()).toBe(50);
      await client.end();
    } finally {
      p.child.kill('SIGKILL');
    }
  }, 30_000);
});
