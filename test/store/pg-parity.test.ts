// The PostgreSQL store answers as the SQLite store does: the same observations into both, then
// every read the dashboard and the SDK make (list with each filter and sort, one group with its
// events, history and alerts, one event at a time, tags, series, facets, metrics), after status
// changes too, compared field by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardMetrics, GroupReader } from '../../model/groups.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { fingerprintConfig, groupStoreOptions } from '../../processors/fingerprint/fingerprint-factory.ts';
import { GroupStore, type Observation } from '../../processors/fingerprint/group-store.ts';
import { PgGroupStore } from '../../processors/fingerprint/postgres/pg-group-store.ts';
import { freshDatabase } from './helpers/fleet.ts';
import { PgCluster, postgresMissing, skipped } from './helpers/pg-cluster.ts';

const missing = postgresMissing();
const NOW = Date.now();
const T0 = NOW - 30 * 60_000;

function obs(i: number): Observation {
  const g = i % 7;
  const fingerprint = `${g}`.repeat(16);
  const time = T0 + i * 1000;
  const severity = (['medium', 'high', 'critical', 'low'] as const)[g % 4];
  return {
    fingerprint,
    title: `TypeError: group ${g}`,
    type: g % 3 === 0 ? undefined : 'TypeError',
    message: `message of group ${g}`,
    component: `component-${g % 2}`,
    category: 'error',
    severity,
    isError: severity === 'high' || severity === 'critical' || g % 3 !== 0,
    user: i % 5 === 0 ? undefined : `user-${i % (g + 3)}`,
    version: `1.${i % 3}.0`,
    service: g % 2 ? 'checkout' : 'search',
    environment: i % 4 ? 'production' : 'staging',
    time,
    event: () => JSON.stringify({ time: new Date(time).toISOString(), severity, message: `event ${i}`, fingerprint }),
  };
}

describe.skipIf(missing !== undefined)(`the PostgreSQL store reads as the SQLite store${skipped(missing)}`, () => {
  let cluster: PgCluster;
  let sqlite: GroupStore;
  let pg: PgGroupStore;

  beforeAll(async () => {
    cluster = await PgCluster.start();
    const url = await freshDatabase(cluster.url);
    sqlite = new GroupStore(groupStoreOptions(fingerprintConfig.parse({}), ':memory:'));
    pg = new PgGroupStore({ url, maxGroups: 1000, groupTtlMs: 86_400_000, flushIntervalMs: 60_000, telemetry: new Telemetry() });
    await pg.start();
    for (let i = 0; i < 300; i++) {
      const o = obs(i);
      if (!pg.isLoaded(o.fingerprint)) await pg.load(o);
      sqlite.observe(o);
      pg.observe(o);
      if (i % 40 === 0) {
        const alert = { reason: 'threshold', detail: String(i) };
        sqlite.recordAlert(o.fingerprint, o.time, alert);
        pg.recordAlert(o.fingerprint, o.time, alert);
      }
    }
  }, 60_000);

  afterAll(async () => {
    sqlite?.close();
    await pg?.close();
    cluster?.stop();
  });

  const both = async <T>(read: (s: GroupReader) => Promise<T>) => {
    const [a, b] = await Promise.all([read(sqlite), read(pg)]);
    return { sqlite: a, pg: b };
  };

  it('lists alike, for every sort and filter', async () => {
    for (const options of [
      {},
      { sort: 'count' as const },
      { sort: 'users' as const },
      { sort: 'first_seen' as const },
      { sort: 'priority' as const },
      { minSeverity: 'high' as const },
      { service: 'checkout' },
      { environment: 'staging', rangeMs: 3_600_000 },
      { release: '1.2.0' },
      { query: 'group 3' },
      { status: 'unresolved' as const, limit: 3 },
    ]) {
      const r = await both((s) => s.list(options));
      expect(r.pg, JSON.stringify(options)).toEqual(r.sqlite);
    }
  });

  it('reads one group, its events, tags and series alike; facets and metrics too', async () => {
    for (let g = 0; g < 7; g++) {
      const fp = `${g}`.repeat(16);
      const reads: ((s: GroupReader) => Promise<unknown>)[] = [
        (s: GroupReader) => s.get(fp),
        (s: GroupReader) => s.event(fp, 'latest'),
        (s: GroupReader) => s.event(fp, 'oldest'),
        (s: GroupReader) => s.tags(fp),
        (s: GroupReader) => s.series(fp, 3_600_000),
      ];
      for (const read of reads) {
        const r = await both(read);
        expect(r.pg, `${fp} ${read}`).toEqual(r.sqlite);
      }
    }
    const facets = await both((s) => s.facets());
    expect(facets.pg).toEqual(facets.sqlite);
    // Ties in the top errors and the distribution come in no defined order: compared sorted.
    const sorted = (m: DashboardMetrics) => ({
      ...m,
      top_errors: [...m.top_errors].sort((a, b) => b.range_count - a.range_count || a.fingerprint.localeCompare(b.fingerprint)),
      distribution: [...m.distribution].sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
    });
    const metrics = await both((s) => s.metrics(3_600_000));
    expect(sorted(metrics.pg)).toEqual(sorted(metrics.sqlite));
  });

  it('counts a busy group’s tags exactly past 50 values a key, flush after flush: the first 50 values seen, the rest as other', async () => {
    const fp = 'e'.repeat(16);
    const seen = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const release = `2.${i % 70}.0`;
      const o = { ...obs(0), fingerprint: fp, user: `u${(i * 7) % 120}`, time: T0 + i, version: release };
      if (!pg.isLoaded(fp)) await pg.load(o);
      pg.observe(o);
      sqlite.observe(o); // the other reads stay alike
      seen.set(release, (seen.get(release) ?? 0) + 1);
      if (i % 60 === 59) await Promise.all([pg.flushAsync(), sqlite.flushAsync()]);
    }
    const releases = (await pg.tags(fp))?.find((t) => t.key === 'release');
    const first50 = [...seen].slice(0, 50);
    expect(Object.fromEntries(releases?.values.map((v) => [v.value, v.count]) ?? [])).toEqual(Object.fromEntries(first50));
    expect(releases?.other).toBe(300 - first50.reduce((n, [, c]) => n + c, 0));
    expect(releases?.total).toBe(300);
  });

  it('changes statuses alike: resolve in a release, ignore until, reopen', async () => {
    const at = NOW - 60_000;
    await both((s) => s.setStatus('1'.repeat(16), 'resolved', at, '1.2.0'));
    await both((s) => s.ignore('2'.repeat(16), { events: 5, users: 2 }, at));
    await both((s) => s.setStatus('3'.repeat(16), 'resolved', at));
    await both((s) => s.setStatus('3'.repeat(16), 'unresolved', at + 1000));
    expect(await both((s) => s.setStatus('f'.repeat(16), 'resolved', at))).toEqual({ sqlite: false, pg: false });
    for (const options of [{}, { status: 'resolved' as const }, { status: 'ignored' as const }]) {
      const r = await both((s) => s.list(options));
      expect(r.pg).toEqual(r.sqlite);
    }
    for (const g of [1, 2, 3]) {
      const r = await both((s) => s.get(`${g}`.repeat(16)));
      expect(r.pg).toEqual(r.sqlite);
    }
    const metrics = await both((s) => s.metrics(3_600_000));
    expect(metrics.pg.mttr_seconds).toBe(metrics.sqlite.mttr_seconds);
  });
});
