// The PostgreSQL store's schema and its users: an older schema is migrated forward, a newer one
// refused by name; users counted on several instances merge to what one counter of them all says.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Telemetry } from '../../model/telemetry.ts';
import { PgGroupStore } from '../../processors/fingerprint/postgres/pg-group-store.ts';
import { MIGRATIONS, migrate } from '../../processors/fingerprint/postgres/pg-schema.ts';
import { UserCounter } from '../../processors/fingerprint/user-counter.ts';
import { errorRecord, freshDatabase, groupBody, type Instance, startInstance } from './helpers/fleet.ts';
import { PgCluster, postgresMissing, skipped } from './helpers/pg-cluster.ts';

const missing = postgresMissing();

describe.skipIf(missing !== undefined)(`PostgreSQL store schema and users${skipped(missing)}`, () => {
  let cluster: PgCluster;
  const running: Instance[] = [];
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterAll(async () => {
    for (const i of running) await i.stop().catch(() => undefined);
    cluster?.stop();
  });

  const store = (url: string) =>
    new PgGroupStore({ url, maxGroups: 100, groupTtlMs: 86_400_000, flushIntervalMs: 60_000, telemetry: new Telemetry() });

  it('migrates a database of the first schema forward, keeping its groups', async () => {
    const url = await freshDatabase(cluster.url);
    const pool = new pg.Pool({ connectionString: url });
    try {
      expect(await migrate(pool, 1)).toBe(0);
      await pool.query(
        `INSERT INTO unitrack.groups (fingerprint, title, message, severity, severity_rank, count, first_seen, last_seen, status, status_at, opened_at)
         VALUES ('00000000000000aa', 'old group', 'm', 'high', 4, 7, 1, 2, 'unresolved', 1, 1)`,
      );
      const s = store(url);
      await s.start();
      const version = await pool.query('SELECT version FROM unitrack.schema_version');
      expect(version.rows).toEqual([{ version: MIGRATIONS.length }]);
      expect((await s.list()).map((g) => [g.title, g.count])).toEqual([['old group', 7]]);
      expect(await s.tags('00000000000000aa')).toEqual([]);
      await s.close();
    } finally {
      await pool.end();
    }
  });

  it('refuses a database whose schema is newer than this unitrack, by name', async () => {
    const url = await freshDatabase(cluster.url);
    const pool = new pg.Pool({ connectionString: url });
    try {
      await migrate(pool);
      await pool.query('UPDATE unitrack.schema_version SET version = 99');
      const s = store(url);
      await expect(s.start()).rejects.toThrow(/schema is version 99, newer than this unitrack knows/);
      await s.close();
    } finally {
      await pool.end();
    }
  });

  it('users seen on three instances merge to the estimate one counter of them all makes (past the exact 64)', async () => {
    const url = await freshDatabase(cluster.url);
    const alerts = { new_group: false, thresholds: [], severity: false, window: { count: 0 }, users: { count: 0 } };
    const fleet = [await startInstance(url, alerts), await startInstance(url, alerts), await startInstance(url, alerts)];
    running.push(...fleet);
    const one = new UserCounter();
    for (let u = 0; u < 500; u++) {
      const user = `customer-${u * 7919}`;
      one.add(user);
      fleet[u % 3].processor.onEmit(errorRecord(groupBody(0), { user }));
      if (u % 50 === 49) await Promise.all(fleet.map((i) => i.processor.forceFlush()));
    }
    await Promise.all(fleet.map((i) => i.processor.forceFlush()));
    const [g] = await fleet[0].groups.list();
    expect(g.count).toBe(500);
    expect(g.users).toBe(one.count);
    expect(g.users).toBeGreaterThan(400);
  });
});
