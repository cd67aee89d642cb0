/**
 * Rows 9 and 9w. The group store on PostgreSQL (issue 20). 9: OTLP/HTTP ingest with 1, 2 and 3
 * unitrack collectors sharing one store (a throwaway cluster, test/store/helpers/pg-cluster.ts)
 * against 1 collector on its SQLite file; every collector and its own load generator run at once
 * on this machine, with PostgreSQL, so on 2 cores the row shows the shared store's overhead, not
 * scaling. 9w: the store's write load per flush (statements, rows, milliseconds) for one flush
 * interval's records of one instance.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GROUPS } from '../../model/groups.ts';
import { fingerprintConfig, fingerprintFactory } from '../../processors/fingerprint/fingerprint-factory.ts';
import type { FingerprintProcessor } from '../../processors/fingerprint/fingerprint-processor.ts';
import type { PgGroupStore } from '../../processors/fingerprint/postgres/pg-group-store.ts';
import { PgCluster, postgresMissing } from '../../test/store/helpers/pg-cluster.ts';
import { benchEvent } from '../lib/events.ts';
import { jsonlPipelineConfig } from '../lib/pipeline.ts';
import { benchHost, benchRecord } from '../lib/records.ts';
import { sleep } from '../lib/stats.ts';
import type { Row, SubjectResult } from '../lib/types.ts';
import { freePort } from './otlp-ingest.ts';

const UNITRACK_BIN = fileURLToPath(new URL('../../bin/unitrack.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('../lib/otlp-load.ts', import.meta.url));
/** Load-generator clients per collector. */
const CLIENTS = 2;

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: new Uint8Array(0),
      });
      await res.arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error('collector did not open its port');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

export const fleetIngest: Row = {
  id: 'fleet',
  title: '9. OTLP ingest, collectors sharing a PostgreSQL group store',
  metrics: [
    { key: 'records_per_s', label: 'records/s, all collectors', better: 'higher' },
    { key: 'refused', label: '429/503 answers', better: 'none' },
    { key: 'p99_ms', label: 'request p99 ms (worst collector)', better: 'lower' },
  ],
  subjects: [
    { id: 'sqlite-1', label: '1 collector, SQLite group store' },
    { id: 'pg-1', label: '1 collector, PostgreSQL group store', vs: ['sqlite-1'] },
    { id: 'pg-2', label: '2 collectors sharing PostgreSQL', vs: ['sqlite-1'] },
    { id: 'pg-3', label: '3 collectors sharing PostgreSQL', vs: ['sqlite-1'] },
  ],
  iterations: 5, // seconds measured
  smokeIterations: 1,
  reps: 1,
  note: `Each collector: the default processors (every record kept) → jsonfile, OTLP/HTTP, ${CLIENTS} clients of its own load generator (row 4's, 512 records a request, 10% new messages), 2 s warm-up; PostgreSQL 15 on the same machine (fsync off). On 2 cores every collector, load generator and PostgreSQL share the same CPUs: the row shows what the shared store costs, not how a fleet scales.`,
  async run(subject, seconds, { tmpDir, smoke }): Promise<SubjectResult> {
    const [store, n] = subject.split('-') as ['sqlite' | 'pg', string];
    const instances = Number(n);
    let cluster: PgCluster | undefined;
    if (store === 'pg') {
      const missing = postgresMissing();
      if (missing) return { unavailable: missing };
      cluster = await PgCluster.start();
    }
    const children: ChildProcess[] = [];
    try {
      const ports: number[] = [];
      for (let i = 0; i < instances; i++) {
        const port = await freePort();
        ports.push(port);
        const config = jsonlPipelineConfig({ jsonPath: join(tmpDir, `events-${i}.jsonl`), endpoint: `127.0.0.1:${port}`, keepAll: true });
        const processors = config.processors as { fingerprint: Record<string, unknown> };
        processors.fingerprint.store = cluster ? { url: cluster.url } : { path: join(tmpDir, `groups-${i}.db`) };
        const file = join(tmpDir, `unitrack-${i}.yaml`);
        writeFileSync(file, JSON.stringify(config));
        const child = spawn(process.execPath, [UNITRACK_BIN, 'collector', '--config', file], {
          cwd: tmpDir,
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, UNITRACK_DATA_DIR: join(tmpDir, `data-${i}`) },
        });
        children.push(child);
        await waitReady(port, child);
      }
      const results = await Promise.all(
        ports.map(async (port) => {
          const load = spawn(process.execPath, [LOAD, String(port), String(CLIENTS), smoke ? '1' : '2', String(seconds), 'http'], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          load.stdout.on('data', (d: Buffer) => {
            out += d;
          });
          const code = await new Promise<number | null>((resolve) => load.once('exit', (c) => resolve(c)));
          if (code !== 0) throw new Error(`load generator exited with ${code}`);
          return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
            accepted: number;
            refused: number;
            seconds: number;
            p99_ms: number;
          };
        }),
      );
      return {
        records_per_s: results.reduce((s, r) => s + r.accepted / r.seconds, 0),
        refused: results.reduce((s, r) => s + r.refused, 0),
        p99_ms: Math.max(...results.map((r) => r.p99_ms)),
      };
    } finally {
      await Promise.all(children.map(stop));
      cluster?.stop();
    }
  },
};

export const fleetWrites: Row = {
  id: 'fleet-writes',
  title: '9w. PostgreSQL group store: write load per flush',
  metrics: [
    { key: 'flush_ms', label: 'ms per flush', better: 'lower' },
    { key: 'statements', label: 'statements per flush', better: 'none' },
    { key: 'rows', label: 'rows written per flush', better: 'none' },
    { key: 'groups', label: 'groups per flush', better: 'none' },
  ],
  subjects: [{ id: 'pg', label: 'one flush of an instance: the iterations’ records through the fingerprint processor' }],
  iterations: 20_000,
  smokeIterations: 1000,
  reps: 3,
  note: 'Records as row 2 (10% new messages); five flushes of the iterations’ records each (20,000: one second of an instance at about row 9’s rate), after one untimed flush of the same size; one transaction a flush, one statement per table (the batch’s id, groups, events, tags, alerts, minutes, totals, users, releases), plus the read of status changes. New groups are claimed (inserted) before their records are counted, outside the flush.',
  async run(_subject, iterations): Promise<SubjectResult> {
    const missing = postgresMissing();
    if (missing) return { unavailable: missing };
    const cluster = await PgCluster.start();
    const host = benchHost('');
    try {
      const config = fingerprintConfig.parse({ store: { url: cluster.url, flush_interval: '1h' } });
      const out = { onEmit() {}, forceFlush: async () => {}, shutdown: async () => {} };
      const processor = fingerprintFactory.create({ id: 'fingerprint', config, host }, out) as FingerprintProcessor & {
        start(): Promise<void>;
      };
      await processor.start();
      const store = host.shared.get(GROUPS) as PgGroupStore;
      const flushes: { ms: number; statements: number; rows: number; groups: number }[] = [];
      let i = 0;
      for (let f = 0; f < 6; f++) {
        for (let k = 0; k < iterations; k++, i++) processor.onEmit(benchRecord(i, benchEvent(i, 0.1)));
        await processor.forceFlush();
        const last = store.lastFlush;
        if (f > 0 && last) flushes.push({ ms: last.ms, statements: last.statements, rows: last.written, groups: last.rows.length });
      }
      await processor.shutdown();
      const avg = (key: 'ms' | 'statements' | 'rows' | 'groups') => flushes.reduce((s, x) => s + x[key], 0) / flushes.length;
      return { flush_ms: avg('ms'), statements: avg('statements'), rows: avg('rows'), groups: avg('groups') };
    } finally {
      cluster.stop();
    }
  },
};
