import { afterEach, describe, expect, it, vi } from 'vitest';
import { ATTR_ALERT_REASON, ATTR_FINGERPRINT, ATTR_SUPPRESSED } from '../../model/attributes.ts';
import type { PipelineRecord } from '../../model/record.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { rateLimiterConfig } from '../../processors/rate-limiter/rate-limiter-factory.ts';
import { ATTR_SUPPRESSED_SCOPE, type Limit, RateLimiterProcessor } from '../../processors/rate-limiter/rate-limiter-processor.ts';
import { Collect, rec } from './harness.ts';

const OFF: Limit = { limit: 0, window: 60_000 };

function limiter(o: { perGroup?: Limit; global?: Limit; maxGroups?: number; now?: () => number; sweepIntervalMs?: number } = {}) {
  const out = new Collect();
  const telemetry = new Telemetry();
  const rl = new RateLimiterProcessor(out, {
    perGroup: o.perGroup ?? { limit: 3, window: 1000 },
    global: o.global ?? OFF,
    maxGroups: o.maxGroups ?? 1000,
    telemetry,
    now: o.now,
    sweepIntervalMs: o.sweepIntervalMs,
  });
  return { out, telemetry, rl };
}

const fp = (f: string, extra: Record<string, string> = {}) => rec({ attributes: { [ATTR_FINGERPRINT]: f, ...extra }, body: `boom ${f}` });
const summaries = (c: Collect) => c.records.filter((r) => r.attributes[ATTR_SUPPRESSED] !== undefined);
const suppressedSum = (c: Collect) => summaries(c).reduce((s, r) => s + (r.attributes[ATTR_SUPPRESSED] as number), 0);

afterEach(() => {
  vi.useRealTimers();
});

describe('rate_limiter', () => {
  it('has the documented defaults', () => {
    expect(rateLimiterConfig.parse({})).toEqual({
      per_group: { limit: 100, window: 60_000 },
      global: { limit: 1000, window: 60_000 },
      max_groups: 20_000,
    });
    expect(rateLimiterConfig.parse({ per_group: { limit: 5, window: '10s' } }).per_group).toEqual({ limit: 5, window: 10_000 });
    expect(rateLimiterConfig.safeParse({ per_group: { window: '0s' } }).success).toBe(false);
  });

  it('lets a group through up to its limit, then summarizes the rest exactly when the window ends', async () => {
    let now = 0;
    const { out, rl, telemetry } = limiter({ now: () => now });
    for (let i = 0; i < 10; i++) rl.onEmit(fp('aaaaaaaaaaaaaaaa'));
    for (let i = 0; i < 2; i++) rl.onEmit(fp('bbbbbbbbbbbbbbbb'));
    expect(out.records).toHaveLength(5);
    expect(summaries(out)).toHaveLength(0);
    now = 1000;
    rl.onEmit(fp('aaaaaaaaaaaaaaaa'));
    const s = summaries(out);
    expect(s).toHaveLength(1);
    expect(s[0].attributes[ATTR_SUPPRESSED]).toBe(7);
    expect(s[0].attributes[ATTR_SUPPRESSED_SCOPE]).toBe('group');
    expect(s[0].attributes[ATTR_FINGERPRINT]).toBe('aaaaaaaaaaaaaaaa');
    expect(String(s[0].body)).toMatch(/^7 more records of this group suppressed.*boom aaaaaaaaaaaaaaaa/);
    // The summary comes before the new window's first record, which passes.
    expect(out.records.at(-1)?.attributes[ATTR_SUPPRESSED]).toBeUndefined();
    expect(out.records.at(-2)).toBe(s[0]);
    expect(telemetry.value('unitrack_rate_limiter_dropped_total', { processor: 'rate_limiter', limit: 'per_group' })).toBe(7);
    expect(telemetry.value('unitrack_rate_limiter_summaries_total', { processor: 'rate_limiter' })).toBe(1);
    await rl.shutdown();
  });

  it('emits summaries from its timer when no further record arrives', async () => {
    vi.useFakeTimers({ now: 0 });
    const { out, rl } = limiter({ perGroup: { limit: 1, window: 5000 } });
    for (let i = 0; i < 4; i++) rl.onEmit(fp('cccccccccccccccc'));
    vi.advanceTimersByTime(4000);
    expect(summaries(out)).toHaveLength(0);
    vi.advanceTimersByTime(2000);
    expect(summaries(out).map((r) => r.attributes[ATTR_SUPPRESSED])).toEqual([3]);
    // Nothing more to say: no second summary.
    vi.advanceTimersByTime(20_000);
    expect(summaries(out)).toHaveLength(1);
    await rl.shutdown();
  });

  it('summarizes pending drops on forceFlush and shutdown, and counts each dropped record once', async () => {
    let now = 0;
    const { out, rl } = limiter({ now: () => now });
    for (let i = 0; i < 8; i++) rl.onEmit(fp('dddddddddddddddd'));
    await rl.forceFlush();
    expect(out.flushes).toBe(1);
    expect(summaries(out).map((r) => r.attributes[ATTR_SUPPRESSED])).toEqual([5]);
    // Still the same window: the limit holds, new drops are summarized later.
    for (let i = 0; i < 2; i++) rl.onEmit(fp('dddddddddddddddd'));
    now = 500;
    await rl.shutdown();
    expect(summaries(out).map((r) => r.attributes[ATTR_SUPPRESSED])).toEqual([5, 2]);
    expect(out.records.length - summaries(out).length + suppressedSum(out)).toBe(10);
  });

  it('never limits alerts', () => {
    const { out, rl } = limiter({ perGroup: { limit: 1, window: 60_000 }, global: { limit: 1, window: 60_000 } });
    for (let i = 0; i < 50; i++) rl.onEmit(fp('eeeeeeeeeeeeeeee', { [ATTR_ALERT_REASON]: 'threshold' }));
    expect(out.records).toHaveLength(50);
  });

  it('groups by event name, then body, when there is no fingerprint', async () => {
    const { out, rl } = limiter({ perGroup: { limit: 1, window: 60_000 } });
    rl.onEmit(rec({ eventName: 'a' }));
    rl.onEmit(rec({ eventName: 'a' }));
    rl.onEmit(rec({ eventName: 'b' }));
    rl.onEmit(rec({ eventName: '', body: 'x' }));
    rl.onEmit(rec({ eventName: '', body: 'x' }));
    rl.onEmit(rec({ eventName: '', body: 'y' }));
    expect(out.records).toHaveLength(4);
    await rl.shutdown();
    expect(summaries(out).map((r) => r.attributes[ATTR_SUPPRESSED])).toEqual([1, 1]);
  });

  it('applies the global limit over all groups with one overall summary', async () => {
    let now = 0;
    const { out, rl, telemetry } = limiter({
      perGroup: { limit: 100, window: 60_000 },
      global: { limit: 10, window: 1000 },
      now: () => now,
    });
    for (let i = 0; i < 25; i++) rl.onEmit(fp(`f${String(i).padStart(15, '0')}`));
    expect(out.records).toHaveLength(10);
    now = 1000;
    rl.onEmit(fp('ffffffffffffffff'));
    const s = summaries(out);
    expect(s).toHaveLength(1);
    expect(s[0].attributes[ATTR_SUPPRESSED]).toBe(15);
    expect(s[0].attributes[ATTR_SUPPRESSED_SCOPE]).toBe('global');
    // A copy of one group's record must not count as that group's.
    expect(s[0].attributes[ATTR_FINGERPRINT]).toBeUndefined();
    expect(String(s[0].body)).toMatch(/^15 records suppressed by the rate limiter \(global limit 10 per 1s\)/);
    expect(telemetry.value('unitrack_rate_limiter_dropped_total', { processor: 'rate_limiter', limit: 'global' })).toBe(15);
    await rl.shutdown();
  });

  it('keeps memory bounded with a million distinct fingerprints and still accounts for every dropped record', async () => {
    let now = 0;
    const maxGroups = 10_000;
    const telemetry = new Telemetry();
    // A counting sink: a million records are not kept in memory here either.
    let passed = 0;
    let suppressed = 0;
    let summariesSeen = 0;
    const sink = {
      onEmit(r: PipelineRecord) {
        const n = r.attributes[ATTR_SUPPRESSED];
        if (n === undefined) passed++;
        else {
          suppressed += n as number;
          summariesSeen++;
        }
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const counted = new RateLimiterProcessor(sink, {
      perGroup: { limit: 1, window: 60_000 },
      global: OFF,
      maxGroups,
      telemetry,
      now: () => now,
    });
    const N = 1_000_000;
    let maxSize = 0;
    for (let i = 0; i < N; i++) {
      const f = i.toString(16).padStart(16, '0');
      // Each group twice: the second is over its limit of 1.
      counted.onEmit(fp(f));
      counted.onEmit(fp(f));
      if ((i & 0xfff) === 0) {
        maxSize = Math.max(maxSize, counted.size);
        now += 1;
      }
    }
    maxSize = Math.max(maxSize, counted.size);
    expect(maxSize).toBeLessThanOrEqual(maxGroups);
    expect(telemetry.value('unitrack_rate_limiter_evicted_total', { processor: 'rate_limiter' })).toBe(N - maxGroups);
    await counted.shutdown();
    expect(passed).toBe(N);
    expect(suppressed).toBe(N);
    expect(summariesSeen).toBe(N);
    expect(telemetry.value('unitrack_rate_limiter_dropped_total', { processor: 'rate_limiter', limit: 'per_group' })).toBe(N);
  });

  it('evicts the least recently seen group, so a busy group keeps its window', async () => {
    const now = 0;
    const { out, rl } = limiter({ perGroup: { limit: 2, window: 60_000 }, maxGroups: 3, now: () => now });
    const busy = '1111111111111111';
    for (let i = 0; i < 100; i++) {
      rl.onEmit(fp(busy));
      rl.onEmit(fp(`other${String(i).padStart(11, '0')}`));
    }
    // The busy group was never evicted: only its first two records passed.
    expect(out.records.filter((r) => r.attributes[ATTR_FINGERPRINT] === busy && r.attributes[ATTR_SUPPRESSED] === undefined)).toHaveLength(
      2,
    );
    await rl.shutdown();
    expect(summaries(out).map((r) => r.attributes[ATTR_SUPPRESSED])).toEqual([98]);
  });

  it('forgets groups whose window has ended, so the table holds about one window of groups and counts stay exact', async () => {
    vi.useFakeTimers({ now: 0 });
    const { out, rl, telemetry } = limiter({ perGroup: { limit: 1, window: 5000 }, maxGroups: 100_000 });
    // 100 new groups a second for a minute, each seen twice (one passes, one is dropped).
    for (let s = 0; s < 60; s++) {
      for (let i = 0; i < 100; i++) {
        const f = `g${String(s * 100 + i).padStart(15, '0')}`;
        rl.onEmit(fp(f));
        rl.onEmit(fp(f));
      }
      vi.advanceTimersByTime(1000);
      expect(rl.size).toBeLessThanOrEqual(700);
    }
    expect(telemetry.value('unitrack_rate_limiter_evicted_total', { processor: 'rate_limiter' })).toBe(0);
    // A group that comes back after its window starts afresh, as it would have if remembered.
    rl.onEmit(fp(`g${String(0).padStart(15, '0')}`));
    expect(out.records.filter((r) => r.attributes[ATTR_SUPPRESSED] === undefined)).toHaveLength(6001);
    await rl.shutdown();
    expect(suppressedSum(out)).toBe(6000);
    expect(summaries(out)).toHaveLength(6000);
  });
});
