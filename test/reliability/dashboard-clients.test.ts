import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dashboardService, readStream, record, waitFor } from '../dashboard/helpers.ts';
import { FULL, recordResult } from '../helpers/reliability-summary.ts';

const CLIENTS = 200;
const SLOW = 10;
const EVENTS = FULL ? 20_000 : 500;

describe('many dashboard clients', () => {
  it(`${CLIENTS} live streams and ${SLOW} that stop reading: the slow ones are dropped, the rest get every event in order`, async () => {
    const { service, url } = await dashboardService({ dashboard: { buffer_size: 1000, heartbeat_interval: '1s' } });
    const port = Number(new URL(url).port);
    const stream = `${url}/api/stream`;

    // Readers that keep up: each collects the ids of live events until it has seen them all.
    const received: number[][] = [];
    const readers = Array.from({ length: CLIENTS - SLOW }, (_, i) => {
      const ids: number[] = [];
      received[i] = ids;
      return readStream(
        stream,
        {},
        () => ids.length >= EVENTS,
        (f) => {
          if (f.data && !f.event && f.id) ids.push(Number(f.id));
        },
        false,
      );
    });
    // Clients that connect and never read: their socket buffers fill, then their queue.
    const slow: Socket[] = [];
    for (let i = 0; i < SLOW; i++) {
      const s = connect(port, '127.0.0.1');
      s.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      s.pause();
      slow.push(s);
    }
    await waitFor(() => service.telemetry.value('unitrack_dashboard_stream_clients') === CLIENTS, `${CLIENTS} clients`);

    const body = 'y'.repeat(2_000);
    for (let i = 0; i < EVENTS; i++) {
      service.ingest([record(`event ${i} ${body}`, { severityNumber: 9 })]);
      if (i % 100 === 99) {
        await service.forceFlush();
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    await service.forceFlush();
    await Promise.all(readers);
    // The readers are done (a long run may already have dropped the stalled clients); the stalled clients now fall behind the ring (loopback buffers hold
    // megabytes, so it takes large events) and are dropped instead of buffered.
    await waitFor(() => service.telemetry.value('unitrack_dashboard_stream_clients') <= SLOW, 'the readers to leave');
    const big = 'z'.repeat(64_000);
    for (let i = 0; i < 5_000 && service.telemetry.value('unitrack_dashboard_slow_clients_dropped_total') < SLOW; i++) {
      service.ingest([record(`big ${i} ${big}`, { severityNumber: 9 })]);
      if (i % 50 === 49) await service.forceFlush();
    }
    await service.forceFlush();

    const dropped = service.telemetry.value('unitrack_dashboard_slow_clients_dropped_total');
    expect(dropped).toBe(SLOW);
    for (const ids of received) {
      expect(ids.length).toBe(EVENTS);
      for (let k = 1; k < ids.length; k++) expect(ids[k]).toBe(ids[k - 1] + 1);
    }
    for (const s of slow) s.destroy();
    await waitFor(() => service.telemetry.value('unitrack_dashboard_stream_clients') === 0, 'clients to leave');
    await service.shutdown();
    recordResult({
      area: 'load',
      check: 'dashboard clients',
      detail: `${CLIENTS} streams, ${EVENTS} events of 2 KB: ${CLIENTS - SLOW} got all in order, ${dropped} slow dropped; the stalled ones dropped once they fell 1000 events behind (the ring), so none is buffered`,
    });
  }, 600_000);
});
