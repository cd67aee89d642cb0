import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { BlogDay, MAX_OPEN_REPEATS } from '../../exporters/blog/blog-day.ts';
import { BlogExporter } from '../../exporters/blog/blog-exporter.ts';
import { blogLine } from '../../exporters/blog/blog-line.ts';
import { PipelineRecord, recordTimeMs } from '../../model/record.ts';
import { severityOf } from '../../model/severity.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { tempDir } from '../helpers/tmp.ts';

const T = Date.UTC(2026, 10, 22, 18, 3, 12);

function rec(offsetMs: number, body: string, attributes: Record<string, unknown>, severityNumber = 17) {
  const ms = T + offsetMs;
  return new PipelineRecord({
    hrTime: [Math.floor(ms / 1000), (ms % 1000) * 1e6],
    resource: resourceFromAttributes({}),
    instrumentationScope: { name: 't' },
    body,
    eventName: 'mcp_server_failed',
    severityNumber,
    spanContext: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 },
    attributes: attributes as never,
  });
}

function exportAll(e: BlogExporter, records: PipelineRecord[]) {
  return new Promise<void>((resolve, reject) => e.export(records, (r) => (r.code === 0 ? resolve() : reject(r.error))));
}

describe('the blog exporter', () => {
  it('writes one line an event, collapses repeats of a group, and keeps a daily summary current', async () => {
    const dir = tempDir();
    const blog = new BlogExporter({ directory: dir, collapseWindowMs: 5 * 60_000 });
    const a = { 'unitrack.category': 'mcp', 'unitrack.component': 'mcp_client', 'unitrack.fingerprint': 'f1' };
    await exportAll(blog, [
      rec(0, 'Memory server failed to respond', { ...a, 'unitrack.group.count': 1, 'unitrack.alert.reason': 'new_group' }),
      rec(60_000, 'Memory server failed to respond', { ...a, 'unitrack.group.count': 2 }),
      rec(268_000, 'Memory server failed to respond', { ...a, 'unitrack.group.count': 3 }),
      rec(400_000, 'Memory server failed to respond', { ...a, 'unitrack.group.count': 4 }),
      rec(500_000, 'Use <script>alert(1)</script> **now**', { 'unitrack.fingerprint': 'f2', 'unitrack.group.count': 1 }, 21),
    ]);
    const text = readFileSync(join(dir, '2026-11-22.md'), 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('# System blog — 2026-11-22');
    expect(text).toContain('**5 events** (critical 1 · high 4) · **2 new groups**');
    expect(lines).toContain(
      '- 18:03:12 **HIGH** mcp/mcp_client · mcp_server_failed — Memory server failed to respond · trace 4bf92f35 · repeated 3× until 18:07:40',
    );
    expect(lines).toContain('- 18:09:52 **HIGH** mcp/mcp_client · mcp_server_failed — Memory server failed to respond · trace 4bf92f35');
    expect(text).toContain('Use \\<script\\>alert\\(1\\)\\</script\\> \\*\\*now\\*\\*');
    await blog.shutdown();

    // A restart continues the same day file, summary included.
    const again = new BlogExporter({ directory: dir, collapseWindowMs: 5 * 60_000 });
    await exportAll(again, [rec(600_000, 'later', { 'unitrack.fingerprint': 'f3' }, 13)]);
    await again.forceFlush();
    const after = readFileSync(join(dir, '2026-11-22.md'), 'utf8');
    expect(after).toContain('**6 events** (critical 1 · high 4 · medium 1)');
    expect(after.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(4);
  });

  it('appends each batch and does not rewrite the file per batch over a long day', async () => {
    const dir = tempDir();
    const telemetry = new Telemetry();
    const blog = new BlogExporter({ directory: dir, collapseWindowMs: 5 * 60_000, telemetry, id: 'blog/long' });
    const labels = { exporter: 'blog/long' };
    const rewrites = () => telemetry.value('unitrack_blog_rewrites_total', labels);
    // 50,000 events over ~10 hours in 500 batches; 200 groups, each back every 144 s, so repeats collapse.
    const start = Date.UTC(2026, 10, 22, 0, 0, 0) - T;
    const events = Array.from({ length: 50_000 }, (_, i) =>
      rec(
        start + i * 720,
        `event ${i % 200} failed`,
        { 'unitrack.fingerprint': `g${i % 200}`, 'unitrack.group.count': 1 + Math.floor(i / 200) },
        i % 7 ? 13 : 17,
      ),
    );
    const expected = new BlogDay('2026-11-22');
    for (const r of events) {
      const fp = r.attributes['unitrack.fingerprint'] as string;
      expected.add(blogLine(r), recordTimeMs(r), severityOf(r), fp, r.attributes['unitrack.group.count'] === 1, 5 * 60_000);
    }
    for (let b = 0; b < 500; b++) await exportAll(blog, events.slice(b * 100, (b + 1) * 100));
    const file = join(dir, '2026-11-22.md');
    // The first batch creates the file whole; the others append, at most once each, only when they
    // bring new lines (a batch of repeats only changes counts); the interval (1 min) has not passed.
    expect(rewrites()).toBe(1);
    const appends = telemetry.value('unitrack_blog_appends_total', labels);
    expect(appends).toBeGreaterThan(100);
    expect(appends).toBeLessThanOrEqual(499);
    const expectedText = expected.render();
    const eventLines = (text: string) => text.split('\n').filter((l) => l.startsWith('- '));
    // Every event line is already in the file, in order (as `tail -f` sees them), counts aside.
    const before = eventLines(readFileSync(file, 'utf8'));
    expect(before.map((l) => l.replace(/ · repeated \d+× until .*$/, ''))).toEqual(
      eventLines(expectedText).map((l) => l.replace(/ · repeated \d+× until .*$/, '')),
    );
    // forceFlush brings the summary and the repeat counts up to date in one rewrite.
    await blog.forceFlush();
    expect(rewrites()).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(expectedText);
    expect(expectedText).toContain('**50000 events**');
    expect(expectedText).toMatch(/ · repeated 3× until /);
    expect(telemetry.render()).toContain('unitrack_blog_rewrites_total{exporter="blog/long"} 2');
    await blog.shutdown();
    expect(rewrites()).toBe(2);
  });

  it('brings the summary and repeat counts up to date on its own after the rewrite interval', async () => {
    const dir = tempDir();
    const telemetry = new Telemetry();
    const blog = new BlogExporter({ directory: dir, collapseWindowMs: 5 * 60_000, rewriteIntervalMs: 50, telemetry });
    const a = { 'unitrack.fingerprint': 'f1' };
    await exportAll(blog, [rec(0, 'one', { ...a, 'unitrack.group.count': 1 })]);
    await exportAll(blog, [rec(1000, 'one', { ...a, 'unitrack.group.count': 2 }), rec(2000, 'two', { 'unitrack.fingerprint': 'f2' })]);
    await exportAll(blog, [rec(3000, 'three', { 'unitrack.fingerprint': 'f3' })]);
    const file = join(dir, '2026-11-22.md');
    expect(readFileSync(file, 'utf8')).toContain('**1 events**');
    await new Promise((r) => setTimeout(r, 200));
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('**4 events**');
    expect(text).toContain('- 18:03:12 **HIGH** mcp_server_failed — one · trace 4bf92f35 · repeated 2× until 18:03:13');
    expect(text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(3);
    expect(telemetry.value('unitrack_blog_rewrites_total', { exporter: 'blog' })).toBe(2);
    await blog.shutdown();
  });

  it('reads the lines already written back from the file to update counts, so a count is replaced, not appended to', async () => {
    const dir = tempDir();
    const blog = new BlogExporter({ directory: dir, collapseWindowMs: 5 * 60_000 });
    const file = join(dir, '2026-11-22.md');
    await exportAll(blog, [rec(0, 'one', { 'unitrack.fingerprint': 'f1' }), rec(1000, 'one', { 'unitrack.fingerprint': 'f1' })]);
    await exportAll(blog, [rec(2000, 'two', { 'unitrack.fingerprint': 'f2' })]);
    await blog.forceFlush();
    expect(readFileSync(file, 'utf8')).toContain('— one · trace 4bf92f35 · repeated 2× until 18:03:13\n');
    await exportAll(blog, [rec(3000, 'one', { 'unitrack.fingerprint': 'f1' }), rec(4000, 'two', { 'unitrack.fingerprint': 'f2' })]);
    await blog.forceFlush();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.filter((l) => l.startsWith('- '))).toEqual([
      '- 18:03:12 **HIGH** mcp_server_failed — one · trace 4bf92f35 · repeated 3× until 18:03:15',
      '- 18:03:14 **HIGH** mcp_server_failed — two · trace 4bf92f35 · repeated 2× until 18:03:16',
    ]);
    expect(lines).toContain('<!-- summary --> **5 events** (high 5) · **0 new groups**');
    await blog.shutdown();
  });

  it('starts a day file again with what is new when it was removed, repeat counts on their own lines', async () => {
    const dir = tempDir();
    const blog = new BlogExporter({ directory: dir, collapseWindowMs: 5 * 60_000 });
    const file = join(dir, '2026-11-22.md');
    await exportAll(blog, [rec(0, 'one', { 'unitrack.fingerprint': 'f1' }), rec(1000, 'two', { 'unitrack.fingerprint': 'f2' })]);
    rmSync(file);
    await exportAll(blog, [
      rec(2000, 'one', { 'unitrack.fingerprint': 'f1' }),
      rec(3000, 'three', { 'unitrack.fingerprint': 'f3' }),
      rec(4000, 'three', { 'unitrack.fingerprint': 'f3' }),
    ]);
    await exportAll(blog, [rec(5000, 'four', { 'unitrack.fingerprint': 'f4' })]);
    await blog.forceFlush();
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('- ')),
    ).toEqual([
      '- 18:03:15 **HIGH** mcp_server_failed — three · trace 4bf92f35 · repeated 2× until 18:03:16',
      '- 18:03:17 **HIGH** mcp_server_failed — four · trace 4bf92f35',
    ]);
    await blog.shutdown();
  });

  it('keeps only the repeats an event can still extend', () => {
    const day = new BlogDay('2026-11-22');
    // 40,000 groups, one event each, 10 ms apart: a 1 s window holds about 100 of them.
    for (let i = 0; i < 40_000; i++) day.add(`- line ${i}`, T + i * 10, 'high', `g${i}`, true, 1000);
    expect(day.openRepeats).toBeLessThanOrEqual(2048);
    expect(day.lines).toBe(40_000);
    // A group inside the window still folds into its line; one past it gets a new line.
    day.add('- again', T + 39_999 * 10 + 5, 'high', 'g39999', false, 1000);
    expect(day.lines).toBe(40_000);
    day.add('- again', T + 39_999 * 10 + 5, 'high', 'g0', false, 1000);
    expect(day.lines).toBe(40_001);
    expect(day.render().split('\n')).toContain('- line 39999 · repeated 2× until 18:09:51');

    // Inside a long window, at most MAX_OPEN_REPEATS groups stay open: the newest.
    const busy = new BlogDay('2026-11-22');
    for (let i = 0; i < 40_000; i++) busy.add(`- line ${i}`, T + i * 10, 'high', `g${i}`, true, 5 * 60_000);
    expect(busy.openRepeats).toBeLessThanOrEqual(MAX_OPEN_REPEATS);
    busy.add('- again', T + 400_000, 'high', 'g39999', false, 5 * 60_000);
    busy.add('- again', T + 400_000, 'high', 'g0', false, 5 * 60_000);
    expect(busy.lines).toBe(40_001);
  });
});
