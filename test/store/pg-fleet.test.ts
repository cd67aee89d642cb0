// Several instances on one PostgreSQL store (a throwaway cluster): records of every group are
// scattered across them, as otelcol's load_balancing exporter routing by trace ID scatters them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintConfig, fingerprintFactory } from '../../processors/fingerprint/fingerprint-factory.ts';
import { Collect, testHost } from '../processors/harness.ts';
import { errorRecord, freshDatabase, groupBody, type Instance, startInstance } from './helpers/fleet.ts';
import { PgCluster, postgresMissing, skipped } from './helpers/pg-cluster.ts';

const missing = postgresMissing();

describe.skipIf(missing !== undefined)(`group store on PostgreSQL, several instances${skipped(missing)}`, () => {
  let cluster: PgCluster;
  const running: Instance[] = [];
  const start = async (url: string, alerts: Record<string, unknown> = {}) => {
    const i = await startInstance(url, alerts);
    running.push(i);
    return i;
  };

  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);

  afterAll(async () => {
    for (const i of running) await i.stop().catch(() => undefined);
    cluster?.stop();
  });

  const ALERTS = { new_group: true, thresholds: [10, 25], window: { count: 0 }, users: { count: 0 }, severity: false };

  /** Feeds `rounds` rounds: in each, every group gets one record on every instance, then every instance flushes. */
  async function scatter(instances: Instance[], groups: number, rounds: number, from = 0) {
    for (let round = from; round < from + rounds; round++) {
      for (let g = 0; g < groups; g++)
        instances.forEach((inst, k) => {
          inst.processor.onEmit(errorRecord(groupBody(g), { user: `user-${(round + k) % 7}` }));
        });
      await Promise.all(instances.map((i) => i.processor.forceFlush()));
    }
  }

  function alertCounts(instances: Instance[]) {
    const counts = new Map<string, number>();
    for (const inst of instances) for (const { alert } of inst.alerts()) if (alert) counts.set(alert, (counts.get(alert) ?? 0) + 1);
    return Object.fromEntries(counts);
  }

  it('raises each new group once across the fleet, crosses each threshold once, counts exactly', async () => {
    const url = await freshDatabase(cluster.url);
    const fleet = [await start(url, ALERTS), await start(url, ALERTS), await start(url, ALERTS)];
    await scatter(fleet, 12, 10); // 30 records a group, 10 on each instance
    expect(alertCounts(fleet)).toEqual({ new_group: 12, 'threshold:10': 12, 'threshold:25': 12 });
    const groups = await fleet[0].groups.list({ limit: 100 });
    expect(groups).toHaveLength(12);
    for (const g of groups) {
      expect(g.count).toBe(30);
      expect(g.users).toBe(7);
    }
    // Every instance sees the same fleet.
    const other = await fleet[2].groups.list({ limit: 100 });
    expect(other.map((g) => [g.fingerprint, g.count]).sort()).toEqual(groups.map((g) => [g.fingerprint, g.count]).sort());
    const metrics = await fleet[1].groups.metrics(3_600_000);
    expect(metrics.total_events).toBe(360);
    expect(metrics.affected_users).toBe(7);
  });

  it('records that arrive before the store has started (embedded) wait for its schema: the first group is new', async () => {
    const url = await freshDatabase(cluster.url);
    const out = new Collect();
    const config = fingerprintConfig.parse({ store: { url, flush_interval: '50ms' }, alerts: ALERTS });
    const processor = fingerprintFactory.create({ id: 'fingerprint', config, host: testHost() }, out);
    // No start(): the first record claims before the schema exists.
    processor.onEmit(errorRecord(groupBody(1)));
    await processor.forceFlush();
    expect(out.records.map((r) => r.attributes['unitrack.alert.reason'])).toEqual(['new_group']);
    await processor.shutdown();
  });

  it('records come out in the order they came in, whichever of them waited for the database', async () => {
    const url = await freshDatabase(cluster.url);
    const a = await start(url, ALERTS);
    a.processor.onEmit(errorRecord(groupBody(0)));
    await a.processor.forceFlush();
    a.out.records.length = 0;
    // Known, new, known, new, the new one again, known: the new ones wait for their claims.
    const order = [0, 1, 0, 2, 1, 0].map((g, i) => errorRecord(groupBody(g), { user: `in-order-${i}` }));
    for (const r of order) a.processor.onEmit(r);
    expect(a.processor.holds()).toBe(5);
    await a.processor.forceFlush();
    expect(a.out.records.map((r) => r.attributes['user.id'])).toEqual(order.map((_, i) => `in-order-${i}`));
    expect(a.alerts().map((x) => x.alert)).toEqual(['', 'new_group', '', 'new_group', '', '']);
  });

  it('a group first seen on a burst of all instances at once is new once', async () => {
    const url = await freshDatabase(cluster.url);
    const fleet = [await start(url, ALERTS), await start(url, ALERTS), await start(url, ALERTS)];
    // No flush between: every instance meets every group for the first time in the same turn.
    for (let g = 0; g < 40; g++) for (const inst of fleet) inst.processor.onEmit(errorRecord(groupBody(g)));
    await Promise.all(fleet.map((i) => i.processor.forceFlush()));
    expect(alertCounts(fleet)).toEqual({ new_group: 40 });
    const groups = await fleet[0].groups.list({ limit: 100 });
    expect(groups.map((g) => g.count)).toEqual(new Array(40).fill(3));
  });

  it('an instance stopped mid-run and started again, and one added, raise no false new group; counts stay exact', async () => {
    const url = await freshDatabase(cluster.url);
    const a = await start(url, ALERTS);
    const b = await start(url, ALERTS);
    await scatter([a, b], 5, 3);
    await b.stop();
    const b2 = await start(url, ALERTS);
    const c = await start(url, ALERTS);
    await scatter([a, b2, c], 5, 3);
    const all = [a, b, b2, c];
    expect(alertCounts(all)).toEqual({ new_group: 5, 'threshold:10': 5 });
    const groups = await c.groups.list();
    expect(groups.map((g) => g.count)).toEqual([15, 15, 15, 15, 15]);
  });

  it('shows on instance A a group only instance B saw, with its events and history', async () => {
    const url = await freshDatabase(cluster.url);
    const a = await start(url, ALERTS);
    const b = await start(url, ALERTS);
    b.processor.onEmit(errorRecord(groupBody(3), { user: 'u1' }));
    await b.processor.forceFlush();
    const [g] = await a.groups.list();
    expect(g).toMatchObject({ title: groupBody(3), count: 1, users: 1 });
    const detail = await a.groups.get(g.fingerprint);
    expect(detail?.events).toHaveLength(1);
    expect(detail?.alerts.map((x) => x.reason)).toEqual(['new_group']);
    expect(detail?.history.map((h) => h.status)).toEqual(['unresolved']);
  });

  it('a resolve on one instance is seen by the others within a flush, and the regression fires once', async () => {
    const url = await freshDatabase(cluster.url);
    const alerts = { ...ALERTS, regression: true };
    const fleet = [await start(url, alerts), await start(url, alerts), await start(url, alerts)];
    await scatter(fleet, 2, 1);
    const [g] = await fleet[0].groups.list({ limit: 1 });
    expect(await fleet[0].groups.setStatus(g.fingerprint, 'resolved')).toBe(true);
    // One flush interval later every instance holds the group as resolved.
    await new Promise((r) => setTimeout(r, 200));
    for (const inst of fleet) inst.out.records.length = 0;
    await scatter(fleet, 2, 2);
    const regressions = fleet.flatMap((i) => i.alerts().filter((x) => x.alert === 'regression'));
    expect(regressions).toEqual([{ fingerprint: g.fingerprint, alert: 'regression' }]);
    const detail = await fleet[2].groups.get(g.fingerprint);
    expect(detail?.status).toBe('unresolved');
    expect(detail?.history.map((h) => h.status)).toEqual(['unresolved', 'resolved', 'unresolved']);
  });

  it('ignore until 5 more events counts the fleet: one escalation', async () => {
    const url = await freshDatabase(cluster.url);
    const alerts = { ...ALERTS, new_group: false, thresholds: [] };
    const fleet = [await start(url, alerts), await start(url, alerts)];
    await scatter(fleet, 1, 1);
    const [g] = await fleet[1].groups.list();
    expect(await fleet[1].groups.ignore(g.fingerprint, { events: 5 })).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    await scatter(fleet, 1, 4);
    expect(alertCounts(fleet)).toEqual({ escalating: 1 });
    expect((await fleet[0].groups.get(g.fingerprint))?.status).toBe('unresolved');
  });
});
