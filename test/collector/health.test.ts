import { ExportResultCode } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultRegistry } from '../../cli/components.ts';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { objectSource } from '../../pipeline/config/source.ts';
import { Service, ServiceStartError } from '../../pipeline/service.ts';
import { StartError } from '../../pipeline/start-up.ts';
import { canBind, freePort } from './collector-process.ts';

/** Gates the test opens by hand: the exporter's start, and its flush (which holds the drain). */
function gate() {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
let startGate = gate();
let flushGate: ReturnType<typeof gate> | undefined;
let startFails = false;

const gated: ExporterFactory = {
  kind: 'exporter',
  type: 'gated',
  config: z.strictObject({}),
  create: () => ({
    start: async () => {
      await startGate.promise;
      if (startFails) throw new StartError('cannot write', '/nowhere/gated.out', Object.assign(new Error('x'), { code: 'EACCES' }));
    },
    export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: () => flushGate?.promise ?? Promise.resolve(),
    shutdown: async () => {},
  }),
};

function service(mode: 'collector' | 'embedded', dashboard = '127.0.0.1:0') {
  const config = {
    receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
    exporters: { dashboard: { endpoint: dashboard, store: { path: ':memory:' } }, gated: {} },
    service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['dashboard', 'gated'] } } },
  };
  return new Service(resolveConfig(objectSource(config), defaultRegistry().register(gated), {}), { mode });
}

async function dashboardUrl(s: Service): Promise<string> {
  for (;;) {
    const d = s.host.shared.get(DASHBOARD_KEY);
    if (d) return d.url;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function health(url: string) {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/healthz', () => {
  it('is not ready while starting and while draining, ready in between, with each pipeline and component', async () => {
    startGate = gate();
    startFails = false;
    const s = service('collector');
    const started = s.start();
    const url = await dashboardUrl(s);

    const starting = await health(url);
    expect(starting.status).toBe(503);
    expect(starting.body).toMatchObject({
      status: 'starting',
      ready: false,
      pipelines: {
        logs: {
          status: 'starting',
          components: {
            'receiver:otlp': { status: 'starting' },
            'exporter:dashboard': { status: 'ok' },
            'exporter:gated': { status: 'starting' },
          },
        },
      },
    });

    startGate.open();
    await started;
    const up = await health(url);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      status: 'ready',
      ready: true,
      pipelines: { logs: { status: 'ok', components: { 'receiver:otlp': { status: 'ok' }, 'exporter:gated': { status: 'ok' } } } },
    });
    const receiver = `http://127.0.0.1:${s.receivers.get('otlp')?.address?.port}`;
    expect((await fetch(`${receiver}/healthz`)).status).toBe(200);

    flushGate = gate();
    const stopped = s.shutdown();
    const draining = await health(url);
    expect(draining.status).toBe(503);
    expect(draining.body).toMatchObject({ status: 'draining', ready: false, pipelines: { logs: { status: 'stopping' } } });
    flushGate.open();
    flushGate = undefined;
    await stopped;
    expect(s.health()).toMatchObject({ status: 'stopped', ready: false, pipelines: { logs: { status: 'stopped' } } });
  });

  it('embedded, a component that cannot start leaves the service degraded: named in the body, reported once, the rest running', async () => {
    startGate = gate();
    startGate.open();
    startFails = true;
    const s = service('embedded');
    const url = await dashboardUrl(s);
    await s.start();
    const h = await health(url);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({
      status: 'degraded',
      ready: true,
      pipelines: {
        logs: {
          status: 'failed',
          components: {
            'exporter:dashboard': { status: 'ok' },
            'exporter:gated': { status: 'failed', error: 'cannot write /nowhere/gated.out: permission denied (EACCES)' },
          },
        },
      },
    });
    expect(s.telemetry.value('unitrack_component_errors_total', { component: 'gated' })).toBe(1);
    await s.shutdown();
  });

  it('in the collector, a component that cannot start fails start() naming it, and what had started is stopped', async () => {
    startGate = gate();
    startGate.open();
    startFails = true;
    const port = await freePort();
    const s = service('collector', `127.0.0.1:${port}`);
    const error = await s.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceStartError);
    expect((error as ServiceStartError).failures).toEqual([
      { component: 'exporter gated', message: 'cannot write /nowhere/gated.out: permission denied (EACCES)' },
    ]);
    expect(s.receivers.size).toBe(0);
    expect(s.health()).toMatchObject({ status: 'failed', ready: false });
    expect(await canBind(port)).toBe(true);
    // Nothing was reported through diag: the collector prints the failures once, itself.
    expect(s.telemetry.value('unitrack_component_errors_total', { component: 'gated' })).toBe(0);
  });
});
