import { afterEach, describe, expect, it, vi } from 'vitest';
import { Telemetry } from '../../model/telemetry.ts';
import { batchConfig } from '../../processors/batch/batch-factory.ts';
import { type BatchOptions, BatchProcessor } from '../../processors/batch/batch-processor.ts';
import { Collect, rec } from './harness.ts';

function batch(o: Partial<BatchOptions>) {
  const out = new Collect();
  const telemetry = new Telemetry();
  const b = new BatchProcessor(out, { sendBatchSize: 8192, sendBatchMaxSize: 0, timeout: 200, telemetry, ...o });
  const sent = (trigger: string) => telemetry.value('unitrack_batch_batches_sent_total', { processor: 'batch', trigger });
  return { out, b, sent };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('batch', () => {
  it("has otelcol's defaults and checks send_batch_max_size", () => {
    expect(batchConfig.parse({})).toEqual({ send_batch_size: 8192, send_batch_max_size: 0, timeout: 200 });
    expect(batchConfig.parse({ timeout: '5s', send_batch_size: 10, send_batch_max_size: 20 })).toEqual({
      send_batch_size: 10,
      send_batch_max_size: 20,
      timeout: 5000,
    });
    const bad = batchConfig.safeParse({ send_batch_size: 100, send_batch_max_size: 10 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['send_batch_max_size']);
  });

  it('holds records until send_batch_size is reached, then sends them in order', async () => {
    const { out, b, sent } = batch({ sendBatchSize: 3 });
    const rs = [rec({ body: '1' }), rec({ body: '2' }), rec({ body: '3' }), rec({ body: '4' })];
    b.onEmit(rs[0]);
    b.onEmit(rs[1]);
    expect(out.records).toHaveLength(0);
    expect(b.holds()).toBe(2);
    b.onEmit(rs[2]);
    expect(out.records).toEqual(rs.slice(0, 3));
    expect(sent('size')).toBe(1);
    b.onEmit(rs[3]);
    expect(b.holds()).toBe(1);
    await b.shutdown();
    expect(out.records).toEqual(rs);
  });

  it('sends what it holds when the timeout after the first record passes', () => {
    vi.useFakeTimers();
    const { out, b, sent } = batch({ sendBatchSize: 100, timeout: 1000 });
    b.onEmit(rec());
    vi.advanceTimersByTime(500);
    b.onEmit(rec());
    expect(out.records).toHaveLength(0);
    vi.advanceTimersByTime(500);
    expect(out.records).toHaveLength(2);
    expect(sent('timeout')).toBe(1);
    // An empty batch starts no timer and sends nothing.
    vi.advanceTimersByTime(5000);
    expect(sent('timeout')).toBe(1);
  });

  it('splits batches at send_batch_max_size; with send_batch_size 0 only the timeout sends', async () => {
    const a = batch({ sendBatchSize: 0, sendBatchMaxSize: 0, timeout: 60_000 });
    for (let i = 0; i < 50; i++) a.b.onEmit(rec());
    expect(a.out.records).toHaveLength(0);
    await a.b.forceFlush();
    expect(a.out.records).toHaveLength(50);
    expect(a.sent('flush')).toBe(1);
    expect(a.out.flushes).toBe(1);

    const c = batch({ sendBatchSize: 0, sendBatchMaxSize: 4, timeout: 60_000 });
    for (let i = 0; i < 10; i++) c.b.onEmit(rec());
    expect(c.out.records).toHaveLength(8);
    expect(c.sent('size')).toBe(2);
    await c.b.shutdown();
    expect(c.out.records).toHaveLength(10);
  });

  it('passes records straight through with timeout 0', () => {
    const { out, b } = batch({ timeout: 0 });
    b.onEmit(rec());
    expect(out.records).toHaveLength(1);
  });
});
