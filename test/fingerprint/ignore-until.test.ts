// Ignore until: a group ignored until a count, a number of users or a time reopens when its
// condition is reached, and that event alerts with reason `escalating` (above the floor only).

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { GROUPS } from '../../model/groups.ts';
import { fingerprintConfig, groupStoreOptions } from '../../processors/fingerprint/fingerprint-factory.ts';
import { GroupStore, type Observation } from '../../processors/fingerprint/group-store.ts';
import { tempDir } from '../helpers/tmp.ts';
import { alerting, fingerprint, T0, times } from './alert-harness.ts';

/** A processor whose only alert is escalating (every built-in reason off), floor at high. */
function escalating() {
  const a = alerting({});
  const store = () => a.host.shared.get(GROUPS) as GroupStore;
  const fp = () => fingerprint(a.records[0]) as string;
  return { ...a, store, fp };
}

describe('ignore until', () => {
  it('a count: the group reopens and alerts escalating on the Nth event after ignoring, not before', async () => {
    const a = escalating();
    expect(a.alerts(times(3))).toEqual([]);
    await a.store().ignore(a.fp(), { events: 5 });
    expect((await a.store().get(a.fp()))?.ignored_until).toEqual({ count: 8 });
    expect(a.feed(times(4))).toEqual(['', '', '', '']);
    expect((await a.store().get(a.fp()))?.status).toBe('ignored');
    expect(a.feed(times(2))).toEqual(['escalating', '']);
    const group = await a.store().get(a.fp());
    expect(group?.status).toBe('unresolved');
    expect(group?.ignored_until).toBeUndefined();
    expect(group?.history.map((h) => h.status)).toEqual(['unresolved', 'ignored', 'unresolved']);
  });

  it('a number of users: counts only users the group had not seen, alerts on the Nth new one', async () => {
    const a = escalating();
    a.feed([{ user: 'u1' }, { user: 'u2' }]);
    await a.store().ignore(a.fp(), { users: 2 });
    expect((await a.store().get(a.fp()))?.ignored_until).toEqual({ users: 4 });
    // Users already affected, and events without a user, do not count.
    expect(a.alerts([{ user: 'u1' }, { user: 'u2' }, {}, { user: 'u3' }, { user: 'u3' }])).toEqual([]);
    expect(a.store().peek(a.fp())?.status).toBe('ignored');
    expect(a.feed([{ user: 'u4' }, { user: 'u5' }])).toEqual(['escalating', '']);
    expect(a.store().peek(a.fp())?.status).toBe('unresolved');
  });

  it('a time: events before it stay quiet, the first event at or after it alerts', async () => {
    const a = escalating();
    a.feed([{ at: 0 }]);
    await a.store().ignore(a.fp(), { until: T0 + 3_600_000 });
    expect((await a.store().get(a.fp()))?.ignored_until).toEqual({ time: new Date(T0 + 3_600_000).toISOString() });
    expect(a.alerts([{ at: 60_000 }, { at: 3_599_999 }])).toEqual([]);
    expect(a.feed([{ at: 3_600_000 }, { at: 3_600_001 }])).toEqual(['escalating', '']);
  });

  it('several conditions: the first reached ends the ignore', async () => {
    const a = escalating();
    a.feed([{ at: 0 }]);
    await a.store().ignore(a.fp(), { events: 100, users: 1, until: T0 + 86_400_000 });
    expect((await a.store().get(a.fp()))?.ignored_until).toEqual({ count: 101, users: 1, time: new Date(T0 + 86_400_000).toISOString() });
    expect(a.feed([{ at: 1000 }, { at: 2000, user: 'first' }])).toEqual(['', 'escalating']);
  });

  it('stays ignored for good without a condition, and ignoring again replaces the condition', async () => {
    const a = escalating();
    a.feed(times(1));
    await a.store().ignore(a.fp(), { events: 2 });
    await a.store().setStatus(a.fp(), 'ignored'); // until reopened: the condition goes
    expect((await a.store().get(a.fp()))?.ignored_until).toBeUndefined();
    expect(a.alerts(times(20))).toEqual([]);
    await a.store().ignore(a.fp(), { events: 3 });
    expect((await a.store().get(a.fp()))?.ignored_until).toEqual({ count: 24 });
    expect(a.feed(times(3))).toEqual(['', '', 'escalating']);
    // Reopening by hand, or resolving, drops a pending condition.
    await a.store().ignore(a.fp(), { events: 1 });
    await a.store().setStatus(a.fp(), 'unresolved');
    await a.store().setStatus(a.fp(), 'resolved');
    expect((await a.store().get(a.fp()))?.ignored_until).toBeUndefined();
  });

  it('the floor holds the alert back: an event below it reopens the group silently', async () => {
    const a = escalating();
    a.feed(times(1));
    await a.store().ignore(a.fp(), { events: 1 });
    expect(a.feed([{ severity: 'medium' }])).toEqual(['']);
    expect(a.store().peek(a.fp())?.status).toBe('unresolved');
    // The condition is spent: the next high event raises no escalating alert.
    expect(a.alerts(times(1))).toEqual([]);
  });

  it('is not a reason for a group that was never ignored', async () => {
    const a = escalating();
    expect(a.alerts(times(30, (i) => ({ user: `u${i}` })))).toEqual([]);
  });
});

const openStore = (path: string) => new GroupStore(groupStoreOptions(fingerprintConfig.parse({}), path));

function obs(time: number, extra: Partial<Observation> = {}): Observation {
  return {
    fingerprint: 'grp',
    title: 'E: grp',
    message: 'grp',
    severity: 'high',
    isError: true,
    time,
    event: () => JSON.stringify({ time: new Date(time).toISOString(), severity: 'high', event: 'e' }),
    ...extra,
  };
}

describe('ignore until across a restart (the store file)', () => {
  it('keeps each condition and reaches it where it would have without the restart', async () => {
    const path = join(tempDir(), 'groups.db');
    const a = openStore(path);
    for (const fp of ['count', 'users', 'time', 'never']) a.observe(obs(T0, { fingerprint: fp, user: 'u0' }));
    await a.ignore('count', { events: 3 }, T0);
    await a.ignore('users', { users: 2 }, T0);
    await a.ignore('time', { until: T0 + 60_000 }, T0);
    await a.ignore('never', {}, T0);
    a.observe(obs(T0 + 1, { fingerprint: 'count' }));
    a.close();

    const b = openStore(path);
    expect((await b.list({ status: 'ignored' }, T0)).map((g) => [g.fingerprint, g.ignored_until])).toEqual(
      expect.arrayContaining([
        ['count', { count: 4 }],
        ['users', { users: 3 }],
        ['time', { time: new Date(T0 + 60_000).toISOString() }],
        ['never', undefined],
      ]),
    );
    const escalated = (fp: string, time: number, user?: string) => b.observe(obs(time, { fingerprint: fp, user })).escalated;
    expect([escalated('count', T0 + 2), escalated('count', T0 + 3), escalated('count', T0 + 4)]).toEqual([false, true, false]);
    expect([escalated('users', T0 + 2, 'u0'), escalated('users', T0 + 3, 'u1'), escalated('users', T0 + 4, 'u2')]).toEqual([
      false,
      false,
      true,
    ]);
    expect([escalated('time', T0 + 59_999), escalated('time', T0 + 60_000)]).toEqual([false, true]);
    expect(escalated('never', T0 + 86_400_000)).toBe(false);
    b.close();

    const c = openStore(path);
    expect((await c.list({}, T0)).map((g) => [g.fingerprint, g.status, g.ignored_until])).toEqual(
      expect.arrayContaining([
        ['count', 'unresolved', undefined],
        ['users', 'unresolved', undefined],
        ['time', 'unresolved', undefined],
        ['never', 'ignored', undefined],
      ]),
    );
    expect((await c.get('count', T0))?.history.map((h) => h.status)).toEqual(['unresolved', 'ignored', 'unresolved']);
    c.close();
  });

  it('converts a file from before ignore-until: its groups keep their rows and can be ignored until', async () => {
    const path = join(tempDir(), 'groups.db');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE groups (
      fingerprint TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT, message TEXT NOT NULL, component TEXT,
      category TEXT, severity TEXT NOT NULL, count INTEGER NOT NULL, first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL, status TEXT NOT NULL, status_at INTEGER NOT NULL, opened_at INTEGER NOT NULL,
      resolved_in_version TEXT, last_version TEXT, users TEXT, user_count INTEGER NOT NULL DEFAULT 0)`);
    old
      .prepare('INSERT INTO groups VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)')
      .run(...['grp', 'E: grp', null, 'grp', null, null, 'high', 7, T0, T0, 'ignored', T0, T0, null, null, null, 0]);
    old.close();
    const s = openStore(path);
    expect(await s.get('grp', T0)).toMatchObject({ count: 7, status: 'ignored' });
    expect((await s.get('grp', T0))?.ignored_until).toBeUndefined();
    await s.ignore('grp', { events: 2 }, T0);
    s.close();
    const t = openStore(path);
    expect((await t.get('grp', T0))?.ignored_until).toEqual({ count: 9 });
    expect([t.observe(obs(T0 + 1)).escalated, t.observe(obs(T0 + 2)).escalated]).toEqual([false, true]);
    t.close();
  });
});

describe('the sweep', () => {
  it('deletes the status changes of the groups it deletes', async () => {
    const path = join(tempDir(), 'groups.db');
    const s = new GroupStore({ ...groupStoreOptions(fingerprintConfig.parse({}), path), groupTtlMs: 3_600_000 });
    s.observe(obs(T0, { fingerprint: 'old' }));
    s.observe(obs(T0, { fingerprint: 'kept' }));
    for (const fp of ['old', 'kept']) {
      await s.setStatus(fp, 'resolved', T0 + 1);
      await s.setStatus(fp, 'unresolved', T0 + 2);
    }
    s.observe(obs(T0 + 2 * 3_600_000, { fingerprint: 'kept' }));
    expect(await s.sweep(T0 + 2 * 3_600_000)).toBe(1);
    s.close();
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare('SELECT fingerprint, COUNT(*) AS n FROM status_changes GROUP BY fingerprint').all()).toEqual([
      { fingerprint: 'kept', n: 2 },
    ]);
    db.close();
  });
});
