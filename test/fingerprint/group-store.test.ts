import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertPolicy } from '../../processors/fingerprint/alert-policy.ts';
import { fingerprintConfig, groupStoreOptions } from '../../processors/fingerprint/fingerprint-factory.ts';
import { GroupStore, type GroupStoreOptions, type Observation } from '../../processors/fingerprint/group-store.ts';
import { compareVersions } from '../../processors/fingerprint/release-order.ts';
import { UserCounter } from '../../processors/fingerprint/user-counter.ts';
import { tempDir } from '../helpers/tmp.ts';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** A store with the fingerprint processor's defaults (its schema's), `path` and any overrides. */
function openStore(options: Partial<GroupStoreOptions> & { path: string }): GroupStore {
  return new GroupStore({ ...groupStoreOptions(fingerprintConfig.parse({}), options.path), ...options });
}

function obs(fingerprint: string, time: number, extra: Partial<Observation> = {}): Observation {
  return {
    fingerprint,
    title: `TypeError: ${fingerprint}`,
    type: 'TypeError',
    message: `msg ${fingerprint}`,
    severity: 'high',
    isError: true,
    time,
    event: () =>
      JSON.stringify({ time: new Date(time).toISOString(), severity: 'high', event: 'e', message: `msg ${fingerprint}`, fingerprint }),
    ...extra,
  };
}

describe('the group store', () => {
  it('takes its options from the fingerprint processor’s schema, which holds the defaults', async () => {
    expect(groupStoreOptions(fingerprintConfig.parse({}), ':memory:')).toEqual({
      path: ':memory:',
      maxGroups: 20_000,
      groupTtlMs: 24 * 3_600_000,
      flushIntervalMs: 1000,
    });
    const config = fingerprintConfig.parse({ max_groups: 5, group_ttl: '2h', store: { flush_interval: '250ms' } });
    expect(groupStoreOptions(config, 'g.db')).toEqual({ path: 'g.db', maxGroups: 5, groupTtlMs: 7_200_000, flushIntervalMs: 250 });
  });

  it('keeps groups, counts, statuses, recent events and MTTR across a restart', async () => {
    const path = join(tempDir(), 'groups.db');
    const a = openStore({ path });
    for (let i = 0; i < 15; i++) a.observe(obs('aaaa', T0 + i * 1000, { user: `u${i % 3}` }));
    a.observe(obs('bbbb', T0 + 5000, { type: 'RangeError', severity: 'critical' }));
    await a.setStatus('aaaa', 'resolved', T0 + 600_000);
    await a.setStatus('bbbb', 'ignored', T0 + 10_000);
    const before = await a.metrics(3_600_000, T0 + 600_000);
    a.close();

    const b = openStore({ path });
    const groups = await b.list({}, T0 + 600_000);
    expect(groups.map((g) => [g.fingerprint, g.count, g.status, g.users])).toEqual([
      ['aaaa', 15, 'resolved', 3],
      ['bbbb', 1, 'ignored', 0],
    ]);
    const detail = await b.get('aaaa', T0 + 600_000);
    expect(detail?.events).toHaveLength(10);
    expect(detail?.events[0].time).toBe(new Date(T0 + 14_000).toISOString());
    expect(detail?.history.map((h) => h.status)).toEqual(['unresolved', 'resolved']);
    expect(detail?.first_seen).toBe(new Date(T0).toISOString());
    const after = await b.metrics(3_600_000, T0 + 600_000);
    expect(after.mttr_seconds).toBe(600);
    expect(after).toEqual(before);
    // The store keeps counting where it left off.
    b.observe(obs('aaaa', T0 + 700_000));
    expect((await b.list({ status: 'resolved' }, T0 + 700_000))[0].count).toBe(16);
    b.close();
  });

  it('computes dashboard metrics for a range', async () => {
    const s = openStore({ path: ':memory:' });
    for (let i = 0; i < 6; i++) s.observe(obs('aaaa', T0 + i * 60_000, { user: `u${i}` }));
    s.observe(obs('bbbb', T0 + 1000, { type: 'RangeError' }));
    s.observe(obs('info', T0 + 2000, { type: undefined, severity: 'info', isError: false }));
    const m = await s.metrics(15 * 60_000, T0 + 10 * 60_000);
    expect(m.total_events).toBe(8);
    expect(m.total_errors).toBe(7);
    expect(m.error_share).toBeCloseTo(7 / 8);
    expect(m.error_rate).toBeCloseTo(7 / 15);
    expect(m.affected_users).toBe(6);
    expect(m.mttr_seconds).toBeNull();
    expect(m.distribution).toEqual([
      { type: 'TypeError', count: 6, percent: 600 / 7 },
      { type: 'RangeError', count: 1, percent: 100 / 7 },
    ]);
    expect(m.top_errors.map((t) => [t.fingerprint, t.range_count])).toEqual([
      ['aaaa', 6],
      ['bbbb', 1],
    ]);
    expect(m.recent_errors).toHaveLength(7);
    expect(m.trend.reduce((n, t) => n + t.errors, 0)).toBe(7);
    // A narrower range sees less.
    expect((await s.metrics(5 * 60_000, T0 + 10 * 60_000)).total_errors).toBe(1);
    s.close();
  });

  it('lists with sorting, filtering and search', async () => {
    const s = openStore({ path: ':memory:' });
    s.observe(obs('aaaa', T0, { title: 'TypeError: cart empty', component: 'cart' }));
    for (let i = 0; i < 3; i++) s.observe(obs('bbbb', T0 + 1000 + i, { title: 'RangeError: too big' }));
    expect((await s.list({ sort: 'count' }, T0)).map((g) => g.fingerprint)).toEqual(['bbbb', 'aaaa']);
    expect((await s.list({ sort: 'first_seen' }, T0)).map((g) => g.fingerprint)).toEqual(['bbbb', 'aaaa']);
    expect((await s.list({ query: 'CART' }, T0)).map((g) => g.fingerprint)).toEqual(['aaaa']);
    expect(await s.list({ query: '100%_' }, T0)).toEqual([]);
    s.close();
  });

  it('stays bounded in memory and forgets groups past their TTL', async () => {
    const s = openStore({ path: ':memory:', maxGroups: 100, groupTtlMs: 3_600_000 });
    for (let i = 0; i < 1000; i++) s.observe(obs(`g${i}`, T0 + i));
    expect((await s.stats()).groups_in_memory).toBeLessThanOrEqual(100);
    expect((await s.stats()).groups).toBe(1000);
    // An evicted group comes back from the file with its count.
    s.observe(obs('g0', T0 + 2000));
    expect((await s.get('g0', T0))?.count).toBe(2);
    s.observe(obs('fresh', T0 + 2 * 3_600_000));
    expect(await s.sweep(T0 + 2 * 3_600_000)).toBe(1000);
    expect((await s.list({}, T0)).map((g) => g.fingerprint)).toEqual(['fresh']);
    s.close();
  });

  it('counts distinct users in bounded memory', async () => {
    const c = new UserCounter();
    for (let i = 0; i < 50; i++) c.add(`user-${i % 40}`);
    expect(c.count).toBe(40);
    for (let i = 0; i < 10_000; i++) c.add(`user-${i}`);
    expect(c.count).toBeGreaterThan(8500);
    expect(c.count).toBeLessThan(11_500);
    expect(c.serialize().length).toBeLessThan(400);
    expect(UserCounter.restore(c.serialize()).count).toBe(c.count);
  });
});

describe('alerts', () => {
  const policy = (over: Partial<ConstructorParameters<typeof AlertPolicy>[0]> = {}) =>
    new AlertPolicy({
      newGroup: true,
      thresholds: [10, 100],
      window: { count: 0, intervalMs: 60_000 },
      users: { count: 0, intervalMs: 3_600_000 },
      regression: true,
      minSeverity: undefined,
      severity: true,
      cooldownMs: 300_000,
      ...over,
    });

  /** Feeds events of one group through a store and a policy; returns the reasons raised. */
  function run(p: AlertPolicy, events: Partial<Observation>[], store = openStore({ path: ':memory:' })) {
    const reasons: string[] = [];
    events.forEach((e, i) => {
      const o = obs('grp', e.time ?? T0 + i, e);
      const before = store.peek('grp');
      const regressed = before !== undefined && p.isRegression(before, o.version);
      if (regressed) store.reopen('grp', o.time);
      const { group, isNew } = store.observe(o);
      const d = p.decide(group, { isNew, regressed, severity: o.severity, user: o.user, time: o.time });
      if (d) reasons.push(d.detail ? `${d.reason}:${d.detail}` : d.reason);
    });
    return { reasons, store };
  }

  it('fires on a new group and on each threshold, once', async () => {
    const { reasons } = run(
      policy({ cooldownMs: 0 }),
      Array.from({ length: 150 }, (_, i) => ({ time: T0 + i * 1000 })),
    );
    expect(reasons).toEqual(['new_group', 'threshold:10', 'threshold:100']);
  });

  it('holds a threshold back during the threshold clock’s cooldown; the new-group alert does not', async () => {
    const { reasons } = run(
      policy(),
      Array.from({ length: 150 }, (_, i) => ({ time: T0 + i * 1000 })),
    );
    expect(reasons).toEqual(['new_group', 'threshold:10']);
  });

  it('fires when a window holds more than N events, and resets with the window', async () => {
    const p = policy({ newGroup: false, thresholds: [], window: { count: 5, intervalMs: 60_000 }, cooldownMs: 0 });
    const times = [...Array.from({ length: 8 }, (_, i) => T0 + i), ...Array.from({ length: 8 }, (_, i) => T0 + 60_000 + i)];
    const { reasons } = run(
      p,
      times.map((time) => ({ time })),
    );
    expect(reasons).toEqual(['window:6 events in 60s', 'window:6 events in 60s']);
  });

  it('fires when more than N distinct users are affected in a window', async () => {
    const p = policy({ newGroup: false, thresholds: [], users: { count: 3, intervalMs: 3_600_000 }, cooldownMs: 0 });
    const users = ['a', 'a', 'b', 'c', 'c', 'd', 'e', 'f'];
    const { reasons } = run(
      p,
      users.map((user, i) => ({ user, time: T0 + i })),
    );
    expect(reasons).toEqual(['users:4 users in 3600s']);
  });

  it('fires on events at or above a severity, with the cooldown', async () => {
    const p = policy({ newGroup: false, thresholds: [], minSeverity: 'high', cooldownMs: 60_000 });
    const { reasons } = run(p, [
      { severity: 'medium', time: T0 },
      { severity: 'high', time: T0 + 1 },
      { severity: 'critical', time: T0 + 2 },
      { severity: 'critical', time: T0 + 61_000 },
    ]);
    expect(reasons).toEqual(['severity:high', 'severity:critical']);
  });

  it('fires on a regression, but not for an event from a release older than the fix', async () => {
    const p = policy({ thresholds: [] });
    const store = openStore({ path: ':memory:' });
    run(p, [{ version: '1.4.0', time: T0 }], store);
    await store.setStatus('grp', 'resolved', T0 + 1000);
    const old = run(p, [{ version: '1.3.9', time: T0 + 2000 }], store);
    expect(old.reasons).toEqual([]);
    expect(store.peek('grp')?.status).toBe('resolved');
    const again = run(p, [{ version: '1.4.1', time: T0 + 3000 }], store);
    expect(again.reasons).toEqual(['regression']);
    expect(store.peek('grp')?.status).toBe('unresolved');
    expect((await store.get('grp'))?.history.map((h) => h.status)).toEqual(['unresolved', 'resolved', 'unresolved']);
  });

  it('never alerts for ignored groups', async () => {
    const store = openStore({ path: ':memory:' });
    run(policy(), [{ time: T0 }], store);
    await store.setStatus('grp', 'ignored');
    expect(
      run(
        policy({ cooldownMs: 0 }),
        Array.from({ length: 20 }, (_, i) => ({ time: T0 + i })),
        store,
      ).reasons,
    ).toEqual([]);
  });

  it('compares versions numerically', async () => {
    expect(compareVersions('1.10.0', '1.9.3')).toBe(1);
    expect(compareVersions('v2.0', '2.0.0')).toBe(0);
    expect(compareVersions('1.2.3', '1.2.4')).toBe(-1);
    expect(compareVersions('main', '1.0')).toBeUndefined();
  });
});

describe('the group store writer (a worker thread on a file)', () => {
  it('answers for groups evicted into a batch not yet committed, commits on close, and reopens with the same counts', async () => {
    const path = join(tempDir(), 'groups.db');
    const a = openStore({ path, maxGroups: 20 });
    for (let i = 0; i < 100; i++) a.observe(obs(`g${i}`, T0 + i, { isError: i % 2 === 0 }));
    // g0 left memory with the first eviction (its rows posted, maybe not committed): still counted.
    expect(a.peek('g0')?.count).toBe(1);
    a.observe(obs('g0', T0 + 1000));
    expect(a.peek('g0')?.count).toBe(2);
    a.close();
    const b = openStore({ path, maxGroups: 20 });
    expect((await b.stats()).groups).toBe(100);
    expect((await b.get('g0', T0 + 2000))?.count).toBe(2);
    expect((await b.get('g1', T0 + 2000))?.events).toHaveLength(1);
    expect((await b.metrics(3_600_000, T0 + 2000)).recent_errors).toHaveLength(50);
    b.close();
  });

  it('lets forceFlush wait for the commit without blocking, then a second connection reads it', async () => {
    const path = join(tempDir(), 'groups.db');
    const a = openStore({ path });
    a.observe(obs('aaaa', T0));
    await a.flushAsync();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare('SELECT count FROM groups WHERE fingerprint = ?').get('aaaa')).toEqual({ count: 1 });
    // No status row for the opening 'unresolved': the history starts from first_seen.
    expect(db.prepare('SELECT COUNT(*) AS n FROM status_changes').get()).toEqual({ n: 0 });
    db.close();
    expect((await a.get('aaaa', T0))?.history).toEqual([{ status: 'unresolved', at: new Date(T0).toISOString() }]);
    a.close();
    // Files written before kept the opening row: it is not shown twice.
    const old = new DatabaseSync(path);
    old.prepare('INSERT INTO status_changes VALUES (?,?,?,?)').run('aaaa', 'unresolved', T0, T0);
    old.close();
    const b = openStore({ path });
    await b.setStatus('aaaa', 'resolved', T0 + 5000);
    expect((await b.get('aaaa', T0))?.history.map((h) => h.status)).toEqual(['unresolved', 'resolved']);
    b.close();
  });
});
