import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { FULL, recordResult } from '../helpers/reliability-summary.ts';
import { tempDir } from '../helpers/tmp.ts';

const SECONDS = FULL ? 600 : 3;
const RATE = 20_000;
const CLIENTS = 4;
const BATCH = 500;

function body(ids: number[]): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'load' } }] },
        scopeLogs: [
          {
            logRecords: ids.map((id) => ({
              severityNumber: 17,
              body: { stringValue: `Request ${id} failed with code ${id % 7}` },
              attributes: [{ key: 'id', value: { intValue: String(id) } }],
            })),
          },
        ],
      },
    ],
  });
}

describe('sustained OTLP load', () => {
  it(`takes ${RATE} records/s from ${CLIENTS} clients for ${SECONDS}s: refusals are 429/503 only and every accepted record is written`, async () => {
    const dir = tempDir();
    const file = join(dir, 'events.jsonl');
    const service = new Service(
      loadServiceConfig({
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
        processors: { redaction: {}, fingerprint: { store: { path: join(dir, 'groups.db') } } },
        // Rotation as a long run would have it, keeping every backup so each record can be found.
        exporters: { jsonfile: { path: file, rotation: { max_megabytes: 256, max_backups: 0 } } },
        service: { pipelines: { logs: { receivers: ['otlp'], processors: ['redaction', 'fingerprint'], exporters: ['jsonfile'] } } },
      }),
      { mode: 'collector', dataDir: dir },
    );
    await service.start();
    const url = `http://127.0.0.1:${service.receivers.get('otlp')?.address?.port}/v1/logs`;
    const rss: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const end = Date.now() + SECONDS * 1000;
    const perClientInterval = (BATCH * CLIENTS * 1000) / RATE;
    const client = async () => {
      while (Date.now() < end) {
        const started = Date.now();
        const ids = Array.from({ length: BATCH }, () => next++);
        // Retry on 429/503 as OTLP clients do, until accepted.
        for (;;) {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(ids) });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) break;
          if (res.status !== 429 && res.status !== 503) throw new Error(`unexpected status ${res.status}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        rss.push(process.memoryUsage.rss());
        const wait = perClientInterval - (Date.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    await service.shutdown();
    // Millions of lines: count each id in a byte per id, file by file, instead of parsing to objects.
    const seen = new Uint8Array(next);
    let lines = 0;
    let unique = 0;
    let duplicates = 0;
    for (const name of readdirSync(dir).filter((f) => f.startsWith('events'))) {
      const text = readFileSync(join(dir, name), 'utf8');
      for (const m of text.matchAll(/"attributes":\{"id":(\d+)/g)) {
        const id = Number(m[1]);
        lines++;
        if (seen[id]++ === 0) unique++;
        else duplicates++;
      }
    }
    expect(duplicates).toBe(0);
    expect(unique).toBe(next);
    expect(lines).toBe(next);
    for (const status of statuses.keys()) expect([200, 429, 503]).toContain(status);
    const firstHalf = Math.max(...rss.slice(0, Math.ceil(rss.length / 2)));
    const secondHalf = Math.max(...rss.slice(Math.ceil(rss.length / 2)));
    recordResult({
      area: 'load',
      check: 'sustained OTLP load',
      detail: `${next} records in ${SECONDS}s from ${CLIENTS} clients (${Math.round(next / SECONDS)}/s), statuses ${JSON.stringify(Object.fromEntries(statuses))}, peak RSS ${Math.round(firstHalf / 2 ** 20)} → ${Math.round(secondHalf / 2 ** 20)} MiB`,
      lost: next - unique,
    });
  }, 900_000);
});
