// Rate limits in a fleet: the group state is shared, the rate limiter's budgets are not. Each
// instance holds its own per-group and global windows, so N instances let through up to N times a
// limit (docs/ARCHITECTURE.md, "Rate limits in a fleet"); the counts in the shared store stay
// exact whatever the limiter drops, since the fingerprint processor counts before it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR_SUPPRESSED } from '../../model/attributes.ts';
import { GROUPS, type GroupReader } from '../../model/groups.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { fingerprintConfig, fingerprintFactory } from '../../processors/fingerprint/fingerprint-factory.ts';
import type { FingerprintProcessor } from '../../processors/fingerprint/fingerprint-processor.ts';
import { rateLimiterFactory } from '../../processors/rate-limiter/rate-limiter-factory.ts';
import { Collect, testHost } from '../processors/harness.ts';
import { errorRecord, freshDatabase, groupBody } from './helpers/fleet.ts';
import { PgCluster, postgresMissing, skipped } from './helpers/pg-cluster.ts';

const missing = postgresMissing();

describe.skipIf(missing !== undefined)(`rate limits with a shared store${skipped(missing)}`, () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('hold per instance: two instances with per_group 5 let 10 records of one group through; the store counts all 40', async () => {
    const url = await freshDatabase(cluster.url);
    const instances = [];
    for (let i = 0; i < 2; i++) {
      const host = testHost(new Telemetry());
      const out = new Collect();
      const limiter = rateLimiterFactory.create(
        {
          id: 'rate_limiter',
          config: rateLimiterFactory.config.parse({ per_group: { limit: 5, window: '1h' }, global: { limit: 0 } }),
          host,
        },
        out,
      );
      // Alerts pass the rate limiter by design: none here, so only the limit shows.
      const alerts = { new_group: false, thresholds: [], severity: false, window: { count: 0 }, users: { count: 0 } };
      const config = fingerprintConfig.parse({ store: { url, flush_interval: '50ms' }, alerts });
      const fingerprint = fingerprintFactory.create({ id: 'fingerprint', config, host }, limiter) as FingerprintProcessor & {
        start(): Promise<void>;
      };
      await fingerprint.start();
      instances.push({ fingerprint, limiter, out, host });
    }
    try {
      for (let k = 0; k < 20; k++) for (const i of instances) i.fingerprint.onEmit(errorRecord(groupBody(0)));
      for (const i of instances) await i.fingerprint.forceFlush();
      const passed = instances.map((i) => i.out.records.filter((r) => r.attributes[ATTR_SUPPRESSED] === undefined).length);
      expect(passed).toEqual([5, 5]);
      const [group] = await (instances[0].host.shared.get(GROUPS) as GroupReader).list();
      expect(group.count).toBe(40);
    } finally {
      for (const i of instances) {
        await i.fingerprint.shutdown();
        await i.limiter.shutdown();
      }
    }
  });
});
