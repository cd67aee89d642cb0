import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const instrumentation = join(fixtures, 'otel-instrumentation.ts');
const app = join(fixtures, 'instrumented-app.ts');

// The webhook receiver and the OTLP backend unitrack delivers to, outside the instrumented process.
const received = { webhook: 0, otlp: 0 };
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/hook') received.webhook++;
    if (req.url === '/v1/logs') received.otlp++;
    res.end();
  });
});
let sinkUrl = '';
beforeAll(async () => {
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => sink.close(resolve)));

interface SpanView {
  name: string;
  kind: SpanKind;
  port?: number;
  url?: string;
}

/** Starts the instrumented app, has it track once, asks unitrack's dashboard, and collects what the process recorded. */
async function runApp(startWith: '--import' | 'NODE_OPTIONS') {
  const dir = tempDir();
  received.webhook = 0;
  received.otlp = 0;
  const env: Record<string, string | undefined> = {
    ...process.env,
    TEST_MARKER_FILE: join(dir, 'marker'),
    TEST_DATA_DIR: dir,
    TEST_WEBHOOK_URL: `${sinkUrl}/hook`,
    TEST_OTLP_URL: sinkUrl,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
  const args = startWith === '--import' ? ['--import', instrumentation, app] : [app];
  if (startWith === 'NODE_OPTIONS') env.NODE_OPTIONS = `--import "${instrumentation}"`;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = once(child, 'exit');
  try {
    const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited.then(() => [''])])) as string[];
    if (!line) throw new Error(`the app did not start: ${stderr}`);
    const appPort = (JSON.parse(line) as { port: number }).port;
    const work = (await (await fetch(`http://127.0.0.1:${appPort}/work`)).json()) as { ports: number[] };
    const dashboard = await Promise.all(work.ports.map(async (p) => (await fetch(`http://127.0.0.1:${p}/api/groups`)).status));
    const report = (await (await fetch(`http://127.0.0.1:${appPort}/spans`)).json()) as { spans: SpanView[]; undiciRequests: number };
    return { dir, appPort, unitrackPorts: work.ports, dashboard, ...report, ...received, stderr: () => stderr };
  } finally {
    child.kill();
    await exited;
  }
}

describe.each(['--import', 'NODE_OPTIONS'] as const)('an application started with its OpenTelemetry set-up in %s', (startWith) => {
  let run: Awaited<ReturnType<typeof runApp>>;
  beforeAll(async () => {
    run = await runApp(startWith);
  });

  it("runs its start-up once: the group store's worker starts without it", () => {
    expect(readFileSync(join(run.dir, 'marker'), 'utf8')).toBe('main\n');
    // The worker did start and write: the group is in the file only the worker writes to.
    const db = new DatabaseSync(join(run.dir, 'groups.db'), { readOnly: true });
    try {
      expect(db.prepare('SELECT title FROM groups').all()).toContainEqual({ title: expect.stringContaining('card declined') });
    } finally {
      db.close();
    }
  });

  it("reads the resource only once the NodeSDK's asynchronous detectors have settled: no warning, detected attributes kept", () => {
    expect(run.stderr()).not.toContain('Accessing resource attributes before async attributes settled');
    const line = readJsonLines(join(run.dir, 'events.jsonl')).find((l) => l.event === 'app_started');
    expect(line?.resource).toMatchObject({ 'process.pid': expect.any(Number) });
  });

  it("has only its own request in its traces, none of unitrack's traffic", () => {
    // unitrack did deliver, and the dashboard did answer: the traffic happened but made no spans.
    expect(run.webhook).toBeGreaterThan(0);
    expect(run.otlp).toBeGreaterThan(0);
    expect(run.undiciRequests).toBeGreaterThan(0);
    expect(run.unitrackPorts).toHaveLength(1);
    expect(run.dashboard).toEqual([200]);
    expect(run.spans).toEqual([expect.objectContaining({ kind: SpanKind.SERVER, name: 'GET', url: '/work' })]);
  });
});
