import { request } from 'node:http';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import { PipelineRecord } from '../../model/record.ts';
import { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A pipeline with the fingerprint processor and the dashboard on a free port. */
export async function dashboardService(
  options: {
    dir?: string;
    dashboard?: Record<string, unknown>;
    /** Processors after the fingerprint processor, in order (a sampler, a rate limiter), with their configs. */
    after?: Record<string, unknown>;
  } = {},
) {
  const dir = options.dir ?? tempDir();
  const after = options.after ?? {};
  const service = new Service(
    loadServiceConfig({
      receivers: { otlp: {} },
      processors: { fingerprint: { store: { path: join(dir, 'groups.db') } }, ...after },
      exporters: { dashboard: { endpoint: '127.0.0.1:0', store: { path: join(dir, 'dashboard.db') }, ...options.dashboard } },
      service: {
        pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint', ...Object.keys(after)], exporters: ['dashboard'] } },
      },
    }),
    { dataDir: dir },
  );
  await waitFor(() => service.host.shared.has(DASHBOARD_KEY));
  const { url } = service.host.shared.get(DASHBOARD_KEY)!;
  return { service, url, dir };
}

export async function waitFor(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function record(
  body: string,
  extra: {
    severityNumber?: number;
    attributes?: Record<string, unknown>;
    traceId?: string;
    eventName?: string;
    /** The resource's attributes (default: service.name svc). */
    resource?: Record<string, string>;
    /** Event time, ms (default: now). */
    time?: number;
  } = {},
) {
  const time = extra.time ?? Date.now();
  return new PipelineRecord({
    hrTime: [Math.floor(time / 1000), (time % 1000) * 1_000_000],
    resource: resourceFromAttributes(extra.resource ?? { 'service.name': 'svc' }),
    instrumentationScope: { name: 't' },
    body,
    eventName: extra.eventName ?? 'evt',
    severityNumber: extra.severityNumber ?? 17,
    spanContext: extra.traceId ? { traceId: extra.traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 } : undefined,
    attributes: (extra.attributes ?? {}) as never,
  });
}

/** Reads SSE frames from /api/stream until `until` says stop; returns the parsed frames. */
export function readStream(
  url: string,
  headers: Record<string, string>,
  until: (frames: { id?: string; event?: string; data?: string; comment?: string }[]) => boolean,
  onFrame?: (frame: { id?: string; event?: string; data?: string; comment?: string }) => void,
  /** False: frames go only to `onFrame`, not into the returned list (long streams). */
  keep = true,
): Promise<{ id?: string; event?: string; data?: string; comment?: string }[]> {
  return new Promise((resolve, reject) => {
    const frames: { id?: string; event?: string; data?: string; comment?: string }[] = [];
    const req = request(url, { headers }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: { id?: string; event?: string; data?: string; comment?: string } = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comment = line.slice(1).trim();
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) frame.data = line.slice(6);
          }
          if (keep) frames.push(frame);
          onFrame?.(frame);
          end = buffer.indexOf('\n\n');
        }
        if (until(frames)) {
          req.destroy();
          resolve(frames);
        }
      });
      res.on('close', () => resolve(frames));
    });
    req.on('error', (e) => (frames.length ? resolve(frames) : reject(e)));
    req.end();
  });
}
