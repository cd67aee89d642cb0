import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { GROUPS } from '../../model/groups.ts';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import type { GroupStore } from '../../processors/fingerprint/group-store.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

function record(body: string, attributes: Record<string, unknown> = {}, severityNumber = 17): PipelineRecord {
  return new PipelineRecord({
    hrTime: [Math.floor(Date.now() / 1000), 0],
    resource: resourceFromAttributes({ 'service.name': 'svc', 'service.version': '1.0.0' }),
    instrumentationScope: { name: 't' },
    body,
    severityNumber,
    attributes: attributes as never,
  });
}

function pipeline(dir: string) {
  const file = join(dir, 'events.jsonl');
  const service = new Service(
    loadServiceConfig({
      receivers: { otlp: {} },
      processors: {
        fingerprint: { store: { path: join(dir, 'groups.db') }, alerts: { thresholds: [3], min_severity: 'none', cooldown: 0 } },
      },
      exporters: { jsonfile: { path: file } },
      service: { pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['jsonfile'] } } },
    }),
    { dataDir: dir },
  );
  return { service, file, store: () => service.host.shared.get(GROUPS) as GroupStore };
}

describe('the fingerprint processor in a pipeline', () => {
  it('groups records, counts them, and marks alerts with the group summary', async () => {
    const dir = tempDir();
    const { service, file, store } = pipeline(dir);
    const ex = { 'exception.type': 'TimeoutError', 'unitrack.component': 'db' };
    for (const id of [17, 23, 99, 1234]) service.ingest([record(`Query ${id} timed out after ${id}ms`, ex)]);
    service.ingest([record('Disk full on /dev/sda1', { 'exception.type': 'IOError' })]);
    service.ingest([record('custom', { 'unitrack.fingerprint.input': ['{{ default }}', 'tenant-a'] })]);
    await service.forceFlush();
    const lines = readJsonLines(file);
    const timeouts = lines.filter((l) => String(l.message).startsWith('Query'));
    expect(new Set(timeouts.map((l) => l.fingerprint)).size).toBe(1);
    expect(timeouts.map((l) => l.group_count)).toEqual([1, 2, 3, 4]);
    // Alert facts are named fields; the pipeline's own unitrack.alert.* / unitrack.group.* stay internal.
    expect(timeouts[0].alert).toEqual({ reason: 'new_group' });
    expect(Object.keys((timeouts[0].attributes as object | undefined) ?? {}).filter((k) => /^unitrack\.(alert|group)\./.test(k))).toEqual(
      [],
    );
    expect(timeouts[2].alert).toMatchObject({ reason: 'threshold' });
    expect(timeouts[1].alert).toBeUndefined();
    expect(lines.find((l) => l.message === 'Disk full on /dev/sda1')?.fingerprint).not.toBe(timeouts[0].fingerprint);
    const custom = lines.find((l) => l.message === 'custom');
    expect(custom?.attributes ?? {}).not.toHaveProperty('unitrack.fingerprint.input');
    expect((await store().list()).map((g) => g.count).sort()).toEqual([1, 1, 4]);
    expect(service.telemetry.value('unitrack_alerts_total', { reason: 'new_group' })).toBe(3);
    await service.shutdown();
  });

  it('keeps groups and statuses across a restart of the pipeline, and alerts on regression', async () => {
    const dir = tempDir();
    const first = pipeline(dir);
    first.service.ingest([record('Payment 1 failed', { 'exception.type': 'PaymentError' })]);
    await first.service.forceFlush();
    const fp = (await first.store().list())[0].fingerprint;
    await first.store().setStatus(fp, 'resolved');
    await first.service.shutdown();

    const second = pipeline(dir);
    expect((await second.store().get(fp))?.status).toBe('resolved');
    second.service.ingest([record('Payment 2 failed', { 'exception.type': 'PaymentError' })]);
    await second.service.forceFlush();
    const last = readJsonLines(second.file).at(-1);
    expect(last).toMatchObject({ fingerprint: fp, group_count: 2, alert: { reason: 'regression' } });
    expect((await second.store().get(fp))?.status).toBe('unresolved');
    expect((await second.store().metrics(3_600_000)).mttr_seconds).not.toBeNull();
    await second.service.shutdown();
  });
});
