/**
 * Row 3. Writing JSON lines to a file on the same disk: unitrack's jsonfile exporter (batches of
 * 512, one export in flight, as its queue runs it) against pino's asynchronous file destination.
 * The clock stops when the file is closed (everything written).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { jsonFileConfig, jsonFileFactory } from '../../exporters/jsonfile/jsonfile-factory.ts';
import { benchEvent, PINO_LEVEL } from '../lib/events.ts';
import { benchHost, benchRecord, traceIds } from '../lib/records.ts';
import type { Row, SubjectResult } from '../lib/types.ts';

const POOL = 4096;
const BATCH = 512;

async function jsonfile(path: string, n: number, tmpDir: string): Promise<void> {
  const records = Array.from({ length: POOL }, (_, i) => benchRecord(i));
  const exporter = jsonFileFactory.create({
    id: 'jsonfile',
    config: jsonFileConfig.parse({ path, rotation: { max_megabytes: 0 } }),
    host: benchHost(tmpDir),
  });
  for (let i = 0; i < n; i += BATCH) {
    const batch: typeof records = [];
    for (let k = i; k < Math.min(n, i + BATCH); k++) batch.push(records[k & (POOL - 1)]);
    await new Promise<void>((resolve, reject) =>
      exporter.export(batch, (r) => (r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed')))),
    );
  }
  await exporter.shutdown();
}

async function pinoFile(path: string, n: number): Promise<void> {
  const { default: pino } = await import('pino');
  const dest = pino.destination({ dest: path, sync: false, minLength: 4096 });
  const logger = pino(dest);
  const objs = Array.from({ length: POOL }, (_, i) => {
    const e = benchEvent(i);
    const ids = traceIds(i);
    return {
      level: PINO_LEVEL[e.severity],
      msg: e.message,
      obj: {
        event: e.event,
        category: e.category,
        component: e.component,
        user: e.user,
        trace_id: ids.traceId,
        span_id: ids.spanId,
        ...e.metadata,
      },
    };
  });
  await new Promise<void>((resolve) => dest.once('ready', () => resolve()));
  for (let i = 0; i < n; i++) {
    const o = objs[i & (POOL - 1)];
    logger[o.level](o.obj, o.msg);
    // Yield now and then, as an application would between requests, so the destination can write.
    if ((i & 4095) === 4095) await new Promise((r) => setImmediate(r));
  }
  await new Promise<void>((resolve) => {
    dest.once('close', () => resolve());
    dest.end();
  });
}

export const jsonlWrite: Row = {
  id: 'jsonl',
  title: '3. JSON lines write',
  metrics: [
    { key: 'events_per_s', label: 'events/s', better: 'higher' },
    { key: 'mb_per_s', label: 'MB/s', better: 'higher' },
    { key: 'bytes_per_line', label: 'bytes/line', better: 'none' },
  ],
  subjects: [
    { id: 'jsonfile', label: 'unitrack jsonfile exporter', vs: ['pino'] },
    { id: 'pino', label: 'pino.destination({ sync: false, minLength: 4096 })' },
  ],
  iterations: 300_000,
  smokeIterations: 3_000,
  note: 'The same events (a pool of 4096 made up front) to a file in the temp directory; the clock runs until the file is closed; MB/s from the file size. Rotation off for unitrack (its default rotates at 100 MB; pino’s destination never rotates). Lines differ slightly in shape (unitrack’s event JSON vs pino’s), hence bytes/line.',
  async run(subject, iterations, { tmpDir }): Promise<SubjectResult> {
    // Warm up on a file of its own.
    const warm = Math.min(iterations, 20_000);
    const write = (path: string, n: number) => (subject === 'pino' ? pinoFile(path, n) : jsonfile(path, n, tmpDir));
    await write(join(tmpDir, 'warm.jsonl'), warm);
    const path = join(tmpDir, 'events.jsonl');
    const t0 = performance.now();
    await write(path, iterations);
    const s = (performance.now() - t0) / 1000;
    const bytes = statSync(path).size;
    return { events_per_s: iterations / s, mb_per_s: bytes / s / 1e6, bytes_per_line: bytes / iterations };
  },
};
