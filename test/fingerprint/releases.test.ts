// Regressions respect releases (service.version): an event from a release older than the one a
// group was resolved in does not reopen it. Semver compares as semver; build numbers, git SHAs and
// dates by when each release was first seen, never as strings.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { GROUPS } from '../../model/groups.ts';
import type { GroupStore } from '../../processors/fingerprint/group-store.ts';
import { compareVersions, ReleaseOrder } from '../../processors/fingerprint/release-order.ts';
import { tempDir } from '../helpers/tmp.ts';
import { alerting } from './alert-harness.ts';

describe('compareVersions (semver precedence)', () => {
  it.each([
    ['1.10.0', '1.9.3', 1],
    ['1.2.3', '1.2.4', -1],
    ['v2.0', '2.0.0', 0],
    ['1.2.3.4', '1.2.3', 1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.beta', '1.0.0-beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-rc.1', '1.0.0-beta.11', 1],
    ['1.0.0-1', '1.0.0-alpha', -1],
    ['1.0.0+build.1', '1.0.0+build.2', 0],
    ['2024.12.01', '2025.01.15', -1],
  ])('%s vs %s → %d', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it.each([['main'], ['1234'], ['2024-12-01'], ['1a2b3c4'], ['f1e2d3c'], ['1.2.x'], ['']])('%j is not semver', (v) => {
    expect(compareVersions(v, '1.0.0')).toBeUndefined();
  });
});

describe('ReleaseOrder', () => {
  it('orders what is not semver by first sight, and semver as semver whatever the order seen', async () => {
    const order = new ReleaseOrder();
    for (const v of ['f1e2d3c', '0a1b2c3', '1.10.0', '1.9.0', 'build-1000', 'build-999']) order.see(v);
    expect(order.compare('0a1b2c3', 'f1e2d3c')).toBe(1); // newer, though it sorts first as a string
    expect(order.compare('f1e2d3c', '0a1b2c3')).toBe(-1);
    expect(order.compare('build-999', 'build-1000')).toBe(1);
    expect(order.compare('1.9.0', '1.10.0')).toBe(-1);
    expect(order.compare('1.9.0', 'f1e2d3c')).toBe(1); // mixed: by first sight
    expect(order.compare('f1e2d3c', 'f1e2d3c')).toBe(0);
  });

  it('says undefined for a release it has not seen', async () => {
    const order = new ReleaseOrder();
    order.see('abc');
    expect(order.compare('abc', 'def')).toBeUndefined();
  });
});

describe('regressions through the fingerprint processor', () => {
  const open: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const p of open.splice(0)) await p.close();
  });

  /** Sees `before` releases, resolves the group in `resolvedIn`, then returns the alerts of events from `after`. */
  function scenario(before: string[], resolvedIn: string, after: string[]): string[] {
    const p = alerting({ regression: true });
    open.push(p);
    p.feed(before.map((version) => ({ version })));
    const fp = p.records[0].attributes['unitrack.fingerprint'] as string;
    (p.host.shared.get(GROUPS) as GroupStore).setStatus(fp, 'resolved', Date.now(), resolvedIn);
    return p.feed(after.map((version) => ({ version })));
  }

  it('semver: an older release does not reopen; the release of the fix or a newer one does', async () => {
    expect(scenario(['1.9.0', '1.10.0'], '1.10.0', ['1.9.9', '1.10.0-rc.1'])).toEqual(['', '']);
    expect(scenario(['1.9.0', '1.10.0'], '1.10.0', ['1.9.9', '1.10.0'])).toEqual(['', 'regression']);
    expect(scenario(['1.9.0', '1.10.0'], '1.10.0', ['1.11.0', '1.11.0'])).toEqual(['regression', '']);
  });

  it('git SHAs: ordered by first sight, not as strings', async () => {
    // f1e2d3c was seen first, the fix shipped in 0a1b2c3: f1e2d3c is older though it sorts after.
    expect(scenario(['f1e2d3c', '0a1b2c3'], '0a1b2c3', ['f1e2d3c'])).toEqual(['']);
    // A release never seen before is newer than every release seen.
    expect(scenario(['f1e2d3c', '0a1b2c3'], '0a1b2c3', ['f1e2d3c', '99aa00b'])).toEqual(['', 'regression']);
  });

  it('build numbers and dates: ordered by first sight', async () => {
    expect(scenario(['999', '1000'], '1000', ['999', '1000'])).toEqual(['', 'regression']);
    expect(scenario(['2024-12-31', '2025-01-02'], '2025-01-02', ['2024-12-31'])).toEqual(['']);
    expect(scenario(['2024-12-31', '2025-01-02'], '2025-01-02', ['2025-01-09'])).toEqual(['regression']);
  });

  it('a SHA starting with digits is not read as a number', async () => {
    // The old comparison read "7f3a1c2" as 7 (newer than 2.0.0) and reopened the group.
    expect(scenario(['7f3a1c2', '2.0.0'], '2.0.0', ['7f3a1c2'])).toEqual(['']);
  });

  it('keeps the order of releases in the group store’s file, across a restart', async () => {
    const path = join(tempDir(), 'groups.db');
    const first = alerting({ regression: true }, path);
    first.feed([{ version: 'f1e2d3c' }, { version: '0a1b2c3' }]);
    const fp = first.records[0].attributes['unitrack.fingerprint'] as string;
    (first.host.shared.get(GROUPS) as GroupStore).setStatus(fp, 'resolved', Date.now(), '0a1b2c3');
    await first.close();

    const second = alerting({ regression: true }, path);
    open.push(second);
    // f1e2d3c was first seen before the restart, before the fix's release: still older.
    expect(second.feed([{ version: 'f1e2d3c' }, { version: 'f1e2d3c' }])).toEqual(['', '']);
    expect(second.feed([{ version: 'c0ffee1' }])).toEqual(['regression']);
    await second.close();
    open.pop();
    const db = new DatabaseSync(path);
    expect(
      db
        .prepare('SELECT version FROM releases ORDER BY seq')
        .all()
        .map((r) => r.version),
    ).toEqual(['f1e2d3c', '0a1b2c3', 'c0ffee1']);
    db.close();
  });

  it('no version on the event, or none on the fix: a regression', async () => {
    expect(scenario(['1.0.0'], '1.0.0', [''])).toEqual(['regression']);
  });
});
