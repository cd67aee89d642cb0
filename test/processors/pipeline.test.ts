import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { ATTR_ALERT_REASON, ATTR_FINGERPRINT, ATTR_GROUP_COUNT } from '../../model/attributes.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { objectSource } from '../../pipeline/config/source.ts';
import { Service } from '../../pipeline/service.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { randomTraceId, rec } from './harness.ts';

interface Line {
  severity: string;
  message: string;
  event: string;
  sample_rate?: number;
  fingerprint?: string;
  trace_id?: string;
  attributes?: Record<string, unknown>;
  error?: { message?: string };
}

describe('redaction → sampler → rate_limiter → routing, composed in a Service from a config object', () => {
  it('masks, samples, limits with exact summaries, and routes by severity', async () => {
    const dir = tempDir();
    const archive = join(dir, 'archive.jsonl');
    const blog = join(dir, 'blog.jsonl');
    const cfg = {
      receivers: { otlp: {} },
      processors: {
        redaction: {},
        sampler: {},
        rate_limiter: { per_group: { limit: 5, window: '1h' } },
        batch: { send_batch_size: 100, timeout: '1h' },
      },
      connectors: {
        routing: {
          default_pipelines: ['logs/archive'],
          table: [{ context: 'log', condition: 'severity_number >= SEVERITY_NUMBER_WARN', pipelines: ['logs/blog', 'logs/archive'] }],
        },
      },
      exporters: { 'jsonfile/archive': { path: archive }, 'jsonfile/blog': { path: blog } },
      service: {
        pipelines: {
          'logs/in': { receivers: ['otlp'], processors: ['redaction', 'sampler', 'rate_limiter'], exporters: ['routing'] },
          // The batch processor holds records until shutdown here (timeout 1h): nothing may be lost.
          'logs/archive': { receivers: ['routing'], processors: ['batch'], exporters: ['jsonfile/archive'] },
          'logs/blog': { receivers: ['routing'], exporters: ['jsonfile/blog'] },
        },
      },
    };
    const service = new Service(resolveConfig(objectSource(cfg), defaultRegistry()), { dataDir: dir });

    const storm = 'aaaaaaaaaaaaaaaa';
    const input = [
      rec({
        severity: 'critical',
        eventName: 'payment_failed',
        body: 'charge 4111 1111 1111 1111 failed',
        attributes: { password: 'hunter2' },
      }),
      // 20 of one group: 5 pass, 15 suppressed into one summary.
      ...Array.from({ length: 20 }, (_, i) =>
        rec({ severity: 'high', eventName: 'db_down', body: `db down ${i}`, attributes: { [ATTR_FINGERPRINT]: storm } }),
      ),
      // 4000 debug records of one group in distinct traces: about 1 in 100 kept.
      ...Array.from({ length: 4000 }, () =>
        rec({
          severity: 'debug',
          eventName: 'cache_miss',
          traceId: randomTraceId(),
          attributes: { [ATTR_FINGERPRINT]: 'dddddddddddddddd' },
        }),
      ),
      // A new group's first record and an alert are kept whatever their level.
      rec({ severity: 'debug', eventName: 'first_seen', attributes: { [ATTR_GROUP_COUNT]: 1, [ATTR_FINGERPRINT]: 'eeeeeeeeeeeeeeee' } }),
      rec({
        severity: 'info',
        eventName: 'alerting',
        attributes: { [ATTR_ALERT_REASON]: 'threshold', [ATTR_FINGERPRINT]: 'ffffffffffffffff' },
      }),
    ];
    expect(service.ingest(input)).toBe(true);
    await service.shutdown();

    const arch = readJsonLines<Line>(archive);
    const blogLines = readJsonLines<Line>(blog);

    const payment = arch.find((l) => l.event === 'payment_failed');
    expect(payment?.message).toBe('charge [REDACTED] failed');
    expect(payment?.attributes?.password).toBe('[REDACTED]');
    expect(payment?.sample_rate).toBe(1);

    const db = arch.filter((l) => l.event === 'db_down');
    const dbPassed = db.filter((l) => l.attributes?.['unitrack.suppressed'] === undefined);
    const dbSummary = db.filter((l) => l.attributes?.['unitrack.suppressed'] !== undefined);
    expect(dbPassed.map((l) => l.message)).toEqual(['db down 0', 'db down 1', 'db down 2', 'db down 3', 'db down 4']);
    expect(dbSummary).toHaveLength(1);
    expect(dbSummary[0].attributes?.['unitrack.suppressed']).toBe(15);
    expect(dbSummary[0].message).toContain('db down 19');

    const debug = arch.filter((l) => l.event === 'cache_miss');
    // Binomial(4000, 0.01): mean 40, sd ≈ 6.3; and the rate limiter lets 5 per group through.
    expect(debug.filter((l) => l.attributes?.['unitrack.suppressed'] === undefined).length).toBeLessThanOrEqual(5);
    for (const l of debug) expect(l.sample_rate).toBe(0.01);
    expect(arch.some((l) => l.event === 'first_seen' && l.sample_rate === 1)).toBe(true);
    expect(arch.some((l) => l.event === 'alerting' && l.sample_rate === 1)).toBe(true);

    // Routing: medium and above also reached the blog; the rest only the archive.
    expect(new Set(blogLines.map((l) => l.event))).toEqual(new Set(['payment_failed', 'db_down']));
    expect(blogLines.filter((l) => l.event === 'db_down')).toHaveLength(6);

    const t = service.telemetry;
    expect(t.value('unitrack_redaction_redacted_total', { processor: 'redaction', kind: 'card' })).toBe(1);
    expect(t.value('unitrack_redaction_redacted_total', { processor: 'redaction', kind: 'key' })).toBe(1);
    const debugDropped = t.value('unitrack_sampler_dropped_total', { processor: 'sampler', severity: 'debug' });
    expect(debugDropped).toBeGreaterThan(4000 - 40 - 6 * 7);
    expect(debugDropped).toBeLessThan(4000 - 40 + 6 * 7);
    // Every debug record the sampler kept is accounted for: passed, or counted in a summary.
    const debugKept = 4000 - debugDropped;
    const debugSuppressed = debug.reduce((s, l) => s + ((l.attributes?.['unitrack.suppressed'] as number) ?? 0), 0);
    expect(debug.filter((l) => l.attributes?.['unitrack.suppressed'] === undefined).length + debugSuppressed).toBe(debugKept);
  });
});
