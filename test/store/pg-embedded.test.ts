// An application embedding unitrack (initTracking) and a collector share one PostgreSQL store:
// the application's groups are the collector's, and a group is new once between them.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTracking, getGroup, initTracking, listGroups, shutdownTracking, trackError } from '../../sdk/index.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { errorRecord, freshDatabase, type Instance, startInstance } from './helpers/fleet.ts';
import { PgCluster, postgresMissing, skipped } from './helpers/pg-cluster.ts';

const missing = postgresMissing();

describe.skipIf(missing !== undefined)(`an embedded application and a collector on one PostgreSQL store${skipped(missing)}`, () => {
  let cluster: PgCluster;
  let collector: Instance | undefined;
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterAll(async () => {
    await shutdownTracking();
    await collector?.stop();
    cluster?.stop();
  });

  it('share their groups: the application sees what the collector counted, one new-group alert between them', async () => {
    const url = await freshDatabase(cluster.url);
    const dir = tempDir('pg-embedded');
    const events = join(dir, 'events.jsonl');
    initTracking({
      handleSignals: false,
      config: {
        receivers: { otlp: {} },
        processors: { fingerprint: { store: { url, flush_interval: '50ms' }, alerts: { severity: false } } },
        exporters: { jsonfile: { path: events } },
        service: { pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['jsonfile'] } } },
      },
    });
    const error = new TypeError('card declined');
    trackError({ event: 'payment_failed', message: 'card declined', error, component: 'checkout' });
    await flushTracking();
    const [group] = await listGroups();
    expect(group).toMatchObject({ count: 1, type: 'TypeError' });
    // The collector takes a record of the same group (grouped upstream by the application's fingerprint).
    collector = await startInstance(url, { severity: false });
    collector.processor.onEmit(errorRecord('card declined', { fingerprint: group.fingerprint }));
    await collector.processor.forceFlush();
    expect((await getGroup(group.fingerprint))?.count).toBe(2);
    const alerts = [
      ...readJsonLines<{ alert?: { reason: string } }>(events).map((e) => e.alert?.reason),
      ...collector.alerts().map((a) => a.alert || undefined),
    ].filter(Boolean);
    expect(alerts).toEqual(['new_group']);
  });
});
