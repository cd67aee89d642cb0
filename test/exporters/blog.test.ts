import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { PipelineRecord } from '../../collector/record.ts';
import { BlogExporter } from '../../exporters/blog/blog-exporter.ts';
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
    const after = readFileSync(join(dir, '2026-11-22.md'), 'utf8');
    expect(after).toContain('**6 events** (critical 1 · high 4 · medium 1)');
    expect(after.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(4);
  });
});
