// What the issue page and the Issues list read from the group store (GroupReader): one event at a
// time, exact tags, the group's own series, the list's filters and priority, the alert history.

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { fingerprintConfig, groupStoreOptions } from '../../processors/fingerprint/fingerprint-factory.ts';
import { MAX_TAG_VALUES } from '../../processors/fingerprint/group-schema.ts';
import { GroupStore, type Observation } from '../../processors/fingerprint/group-store.ts';
import { tempDir } from '../helpers/tmp.ts';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function openStore(path = ':memory:'): GroupStore {
  return new GroupStore(groupStoreOptions(fingerprintConfig.parse({}), path));
}

function obs(fingerprint: string, time: number, n: number, extra: Partial<Observation> = {}): Observation {
  return {
    fingerprint,
    title: `TypeError: ${fingerprint}`,
    type: 'TypeError',
    message: `msg ${fingerprint}`,
    severity: 'high',
    isError: true,
    time,
    event: () => JSON.stringify({ time: new Date(time).toISOString(), severity: 'high', message: `event ${n}`, fingerprint }),
    ...extra,
  };
}

describe('the group reader behind the issue page', () => {
  it('walks a group’s stored events one at a time: the ring of the last 10 and the first event', async () => {
    const store = openStore(join(tempDir(), 'groups.db'));
    for (let i = 1; i <= 25; i++) store.observe(obs('aaaa', T0 + i, i));
    const latest = await store.event('aaaa', 'latest');
    expect(latest).toMatchObject({ seq: 25, previous: 24, oldest: 1, latest: 25, stored: 11 });
    expect(latest?.next).toBeUndefined();
    expect(latest?.event.message).toBe('event 25');
    const oldest = await store.event('aaaa', 'oldest');
    expect(oldest).toMatchObject({ seq: 1, next: 16 });
    expect(oldest?.event.message).toBe('event 1');
    expect(oldest?.previous).toBeUndefined();
    expect((await store.event('aaaa', 16))?.previous).toBe(1);
    expect(await store.event('aaaa', 5)).toBeUndefined(); // not stored
    expect(await store.event('ffff', 'latest')).toBeUndefined();
    // The detail's recent events are still the ring's 10, without the first event twice.
    expect((await store.get('aaaa'))?.events.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `event ${25 - i}`));
    store.close();
  });

  it('a value counted on disk keeps its own row when a later batch brings more than 50 values of its key', async () => {
    const store = openStore(join(tempDir(), 'groups.db'));
    // 80 releases, each seen once per batch, over two batches; the second sees them in the other order,
    // so the values it meets first are the 30 counted under other, and its last ones are counted on disk.
    for (let batch = 0; batch < 2; batch++) {
      for (let n = 0; n < 80; n++) {
        const i = batch === 0 ? n : 79 - n;
        store.observe(obs('eeee', T0 + batch * 100_000 + n, n, { version: `1.0.${i}` }));
      }
      await store.flushAsync();
    }
    const release = (await store.tags('eeee'))?.find((t) => t.key === 'release');
    expect(release?.values).toHaveLength(MAX_TAG_VALUES);
    expect(release?.values.every((v) => v.count === 2)).toBe(true);
    expect(release?.other).toBe(2 * (80 - MAX_TAG_VALUES));
    expect(release?.total).toBe(160);
    store.close();
  });

  it('keeps the first event when a later batch overwrites the ring slot that held it', async () => {
    const store = openStore(join(tempDir(), 'groups.db'));
    let n = 0;
    for (const size of [4, 3, 5, 9]) {
      for (let i = 0; i < size; i++) store.observe(obs('cccc', T0 + ++n, n));
      await store.flushAsync();
    }
    const oldest = await store.event('cccc', 'oldest');
    expect(oldest).toMatchObject({ seq: 1, next: 12, latest: 21, stored: 11 });
    expect(oldest?.event.message).toBe('event 1');
    expect((await store.get('cccc'))?.events.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `event ${21 - i}`));
    store.close();
  });

  it('a group of few events stores each once', async () => {
    const store = openStore();
    for (let i = 1; i <= 3; i++) store.observe(obs('bbbb', T0 + i, i));
    expect(await store.event('bbbb', 'latest')).toMatchObject({ seq: 3, stored: 3, oldest: 1 });
    expect((await store.get('bbbb'))?.events).toHaveLength(3);
    store.close();
  });

  it('counts tags exactly, first 50 values per key, the rest under other; first and last release', async () => {
    const store = openStore();
    for (let i = 0; i < 60; i++)
      store.observe(
        obs('cccc', T0 + i * 1000, i, {
          user: `u${i}`,
          service: i % 3 === 0 ? 'api' : 'web',
          environment: 'production',
          version: i < 30 ? '1.0.0' : '1.1.0',
          component: 'checkout',
        }),
      );
    // Values first seen after a flush count against the same limit.
    await store.flushAsync();
    store.observe(obs('cccc', T0 + 70_000, 70, { user: 'late', service: 'web' }));
    const tags = await store.tags('cccc');
    const byKey = Object.fromEntries((tags ?? []).map((t) => [t.key, t]));
    expect(byKey.service.values.map((v) => [v.value, v.count])).toEqual([
      ['web', 41],
      ['api', 20],
    ]);
    expect(byKey.service.total).toBe(61);
    expect(byKey.environment.values).toHaveLength(1);
    expect(byKey.release.values.map((v) => [v.value, v.count])).toEqual([
      ['1.0.0', 30],
      ['1.1.0', 30],
    ]);
    expect(byKey.release.values[1].first_seen).toBe(new Date(T0 + 30_000).toISOString());
    expect(byKey.user.values).toHaveLength(MAX_TAG_VALUES);
    expect(byKey.user.other).toBe(11);
    expect(byKey.user.total).toBe(61);
    const detail = await store.get('cccc');
    expect(detail).toMatchObject({ first_release: '1.0.0', last_release: '1.1.0', service: 'web' });
    expect(await store.tags('ffff')).toBeUndefined();
    expect(await store.facets()).toEqual({ service: ['web', 'api'], environment: ['production'], release: ['1.0.0', '1.1.0'] });
    store.close();
  });

  it('filters the list by level, service, environment, release and range, and sorts by priority', async () => {
    const store = openStore();
    const now = T0 + 3_600_000;
    store.observe(obs('info1', now - 60_000, 1, { severity: 'info', isError: false, service: 'web' }));
    for (let i = 0; i < 5; i++) store.observe(obs('high1', now - 60_000, i, { service: 'api', environment: 'staging', version: '2.0.0' }));
    for (let i = 0; i < 2; i++) store.observe(obs('high2', now - 120_000, i, { service: 'api', environment: 'production' }));
    store.observe(obs('crit1', now - 7_200_000, 1, { severity: 'critical', service: 'web' }));
    const fps = async (o: Parameters<GroupStore['list']>[0]) => (await store.list(o, now)).map((g) => g.fingerprint);
    expect(await fps({ minSeverity: 'high', sort: 'priority' })).toEqual(['crit1', 'high1', 'high2']);
    expect(await fps({ sort: 'priority', rangeMs: 3_600_000 })).toEqual(['high1', 'high2', 'info1']);
    expect(await fps({ service: 'web' })).toEqual(['info1', 'crit1']);
    expect(await fps({ environment: 'production' })).toEqual(['high2']);
    expect(await fps({ release: '2.0.0' })).toEqual(['high1']);
    expect(await fps({ service: 'nope' })).toEqual([]);
    const [top] = await store.list({ sort: 'priority', rangeMs: 3_600_000 }, now);
    expect(top.range_count).toBe(5);
    store.close();
  });

  it('gives a group its own series over a range, and its alert history newest first', async () => {
    const store = openStore();
    const now = T0 + 10 * 60_000;
    store.observe(obs('dddd', T0 + 60_000, 1));
    store.observe(obs('dddd', T0 + 61_000, 2, { isError: false }));
    store.observe(obs('dddd', T0 + 5 * 60_000, 3));
    store.recordAlert('dddd', T0 + 60_000, { reason: 'new_group' });
    store.recordAlert('dddd', T0 + 5 * 60_000, { reason: 'rule', rule: 'checkout outage', detail: '5 events in 60s' });
    const series = await store.series('dddd', 15 * 60_000, now);
    expect(series).toHaveLength(16);
    expect(series.reduce((n, p) => n + p.events, 0)).toBe(3);
    expect(series.reduce((n, p) => n + p.errors, 0)).toBe(2);
    expect(series.find((p) => p.time === new Date(T0 + 60_000).toISOString())).toEqual({
      time: new Date(T0 + 60_000).toISOString(),
      events: 2,
      errors: 1,
    });
    expect((await store.get('dddd'))?.alerts).toEqual([
      { at: new Date(T0 + 5 * 60_000).toISOString(), reason: 'rule', rule: 'checkout outage', detail: '5 events in 60s' },
      { at: new Date(T0 + 60_000).toISOString(), reason: 'new_group' },
    ]);
    // A sweep keeps each group's newest 50 alerts.
    for (let i = 0; i < 60; i++) store.recordAlert('dddd', T0 + 6 * 60_000 + i, { reason: 'severity', detail: String(i) });
    await store.sweep(now);
    const kept = (await store.get('dddd'))?.alerts ?? [];
    expect(kept).toHaveLength(50);
    expect(kept[0].detail).toBe('59');
    await store.clear();
    expect(await store.tags('dddd')).toBeUndefined();
    store.close();
  });

  it('moves the tag counts of a file from before the gid onto its groups, and goes on counting them', async () => {
    const path = join(tempDir(), 'groups.db');
    const seed = openStore(path);
    seed.observe(obs('gggg', T0, 1, { service: 'checkout', user: 'u1' }));
    seed.observe(obs('hhhh', T0, 1, { service: 'billing' }));
    seed.close();
    // The layout before the gid: no gid column, tag counts keyed by fingerprint in group_tags.
    const db = new DatabaseSync(path);
    db.exec(`CREATE TABLE group_tags (fingerprint TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        count INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (fingerprint, key, value));
      INSERT INTO group_tags SELECT g.fingerprint, t.key, t.value, t.count, t.first_seen, t.last_seen FROM tag_counts t JOIN groups g ON g.gid = t.gid;
      DROP TABLE tag_counts; DROP INDEX groups_gid; ALTER TABLE groups DROP COLUMN gid;`);
    db.close();
    const store = openStore(path);
    store.observe(obs('gggg', T0 + 1, 2, { service: 'checkout', user: 'u2' }));
    store.observe(obs('iiii', T0 + 2, 1, { service: 'checkout' }));
    const tags = await store.tags('gggg');
    expect(tags?.find((t) => t.key === 'service')).toMatchObject({ total: 2, values: [{ value: 'checkout', count: 2 }] });
    expect(
      tags
        ?.find((t) => t.key === 'user')
        ?.values.map((v) => v.value)
        .sort(),
    ).toEqual(['u1', 'u2']);
    expect((await store.list({ service: 'checkout' })).map((g) => g.fingerprint).sort()).toEqual(['gggg', 'iiii']);
    expect((await store.list({ service: 'billing' })).map((g) => g.fingerprint)).toEqual(['hhhh']);
    store.close();
    const after = new DatabaseSync(path, { readOnly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'group_tags'").all()).toEqual([]);
    // Every group has its own gid, the new one after the converted ones.
    expect(
      after
        .prepare('SELECT fingerprint, gid FROM groups ORDER BY gid')
        .all()
        .map((r) => r.fingerprint),
    ).toEqual(['gggg', 'hhhh', 'iiii']);
    after.close();
  });

  it('the sweep deletes the tag counts of the groups it deletes', async () => {
    const path = join(tempDir(), 'groups.db');
    const store = new GroupStore({ ...groupStoreOptions(fingerprintConfig.parse({}), path), groupTtlMs: 3_600_000 });
    store.observe(obs('old1', T0, 1, { service: 'a', user: 'u1' }));
    store.observe(obs('kept', T0, 1, { service: 'a' }));
    store.observe(obs('kept', T0 + 2 * 3_600_000, 2, { service: 'a' }));
    expect(await store.sweep(T0 + 2 * 3_600_000)).toBe(1);
    expect(await store.tags('old1')).toBeUndefined();
    store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare('SELECT g.fingerprint, t.key, t.count FROM tag_counts t JOIN groups g USING (gid)').all()).toEqual([
      { fingerprint: 'kept', key: 'service', count: 2 },
    ]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM tag_counts').get()).toEqual({ n: 1 });
    db.close();
  });
});
