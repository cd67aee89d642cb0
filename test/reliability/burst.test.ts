import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { FULL, recordResult } from '../helpers/reliability-summary.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const TOTAL = FULL ? 1_000_000 : 20_000;
const GROUPS = 10;

describe('an error storm', () => {
  it(`of ${TOTAL} records in ${GROUPS} groups: bounded notifications, every suppressed record accounted for`, async () => {
    const dir = tempDir();
    let notifications = 0;
    const hook = createServer((req, res) => {
      notifications++;
      req.resume();
      res.writeHead(200).end();
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const service = new Service(
      loadServiceConfig({
        receivers: { otlp: {} },
        processors: {
          fingerprint: { store: { path: join(dir, 'groups.db') } },
          sampler: { rates: { critical: 1, high: 1, medium: 1, low: 1, info: 1, debug: 1 } },
          rate_limiter: { per_group: { limit: 100, window: '1m' }, global: { limit: 1000, window: '1m' } },
        },
        connectors: {
          routing: {
            default_pipelines: ['logs/archive'],
            table: [
              { context: 'log', condition: 'attributes["unitrack.alert.reason"] != nil', pipelines: ['logs/notify', 'logs/archive'] },
            ],
          },
        },
        exporters: {
          jsonfile: { path: join(dir, 'events.jsonl') },
          webhook: { endpoint: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/` },
        },
        service: {
          pipelines: {
            'logs/in': { receivers: ['otlp'], processors: ['fingerprint', 'sampler', 'rate_limiter'], exporters: ['routing'] },
            'logs/notify': { receivers: ['routing'], exporters: ['webhook'] },
            'logs/archive': { receivers: ['routing'], exporters: ['jsonfile'] },
          },
        },
      }),
      { dataDir: dir, ingestQueueSize: 65_536 },
    );
    const resource = resourceFromAttributes({ 'service.name': 'storm' });
    let accepted = 0;
    for (let i = 0; i < TOTAL; i++) {
      const g = i % GROUPS;
      const r = new PipelineRecord({
        hrTime: [Math.floor(Date.now() / 1000), i % 1e9],
        resource,
        instrumentationScope: { name: 'storm' },
        body: `Upstream ${g} timed out after ${i}ms for request ${i}`,
        severityNumber: 17,
        attributes: { 'exception.type': `Timeout${g}Error`, id: i },
      });
      if (service.ingest([r])) accepted++;
      if (service.queue.size > 30_000) await new Promise((res) => setImmediate(res));
    }
    await service.shutdown();
    hook.close();
    const lines = readJsonLines<{ attributes?: Record<string, unknown>; alert?: unknown }>(join(dir, 'events.jsonl'));
    const summaries = lines.filter((l) => l.attributes?.['unitrack.suppressed'] !== undefined);
    const suppressed = summaries.reduce((n, l) => n + Number(l.attributes?.['unitrack.suppressed']), 0);
    const delivered = lines.length - summaries.length;
    expect(accepted).toBe(TOTAL);
    expect(delivered + suppressed).toBe(TOTAL);
    // Alerts pass the rate limiter (each reason on its own clock: a few a group); the rest is held to the global limit.
    const alerted = lines.filter((l) => l.alert !== undefined).length;
    expect(alerted).toBeLessThanOrEqual(GROUPS * 4);
    expect(delivered - alerted).toBeLessThanOrEqual(1000);
    expect(notifications).toBeGreaterThanOrEqual(GROUPS);
    expect(notifications).toBeLessThanOrEqual(GROUPS * 4);
    recordResult({
      area: 'load',
      check: 'error storm',
      detail: `${TOTAL} records, ${GROUPS} groups: ${delivered} kept, ${suppressed} suppressed in ${summaries.length} summaries, ${notifications} notifications`,
      lost: TOTAL - delivered - suppressed,
    });
  }, 600_000);
});
