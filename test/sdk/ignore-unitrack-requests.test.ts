import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerListeningPort, unitrackPorts } from '../../pipeline/listening-ports.ts';
import { Service } from '../../pipeline/service.ts';
import { ignoreUnitrackRequests } from '../../sdk/index.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { tempDir } from '../helpers/tmp.ts';

/** What the hook says of a real request to `server`, as the request's handler sees it. */
function requestTo(server: ReturnType<typeof createServer>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const seen = (req: IncomingMessage) => {
      server.off('request', seen);
      resolve(ignoreUnitrackRequests(req));
    };
    server.on('request', seen);
    get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => res.resume()).on('error', reject);
  });
}

describe('ignoreUnitrackRequests', () => {
  it("recognises requests by the port they arrived on, while unitrack's server listens", async () => {
    const own = createServer((_req, res) => res.end());
    const app = createServer((_req, res) => res.end());
    registerListeningPort(own);
    own.listen(0, '127.0.0.1');
    app.listen(0, '127.0.0.1');
    await Promise.all([once(own, 'listening'), once(app, 'listening')]);
    expect(await requestTo(own)).toBe(true);
    expect(await requestTo(app)).toBe(false);
    const port = (own.address() as AddressInfo).port;
    own.closeAllConnections();
    await new Promise((resolve) => own.close(resolve));
    expect(unitrackPorts()).not.toContain(port);
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  });

  it("knows the collector's OTLP receiver and dashboard ports, and forgets them at shutdown", async () => {
    const service = new Service(
      loadServiceConfig({
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
        exporters: { dashboard: { endpoint: '127.0.0.1:0', store: { path: join(tempDir(), 'dashboard.db') } } },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['dashboard'] } } },
      }),
      { mode: 'collector', dataDir: tempDir() },
    );
    await service.start();
    const receiverPort = service.receivers.get('otlp')?.address?.port;
    expect(receiverPort).toBeGreaterThan(0);
    const ports = unitrackPorts();
    expect(ports).toContain(receiverPort);
    expect(ports).toHaveLength(2);
    await service.shutdown();
    expect(unitrackPorts()).toEqual([]);
  });
});
