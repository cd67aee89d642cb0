import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'unitrack.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, UNITRACK_WEBHOOK_URL: '' } });

const VALID = `receivers:
  otlp: {}
exporters:
  jsonfile: { path: ./x.jsonl }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [jsonfile] }
`;

describe('the CLI', () => {
  it('prints help and version, and exits 2 on usage errors', () => {
    expect(run('--help').stdout).toContain('unitrack collector');
    expect(run('--version').stdout).toMatch(/^unitrack \d+\.\d+\.\d+/);
    expect(run('frobnicate').status).toBe(2);
    expect(run('--nope').status).toBe(2);
  });

  it('validates every shipped config', () => {
    for (const f of [
      'default.yaml',
      'notify-only.yaml',
      'archive-everything.yaml',
      'forward-to-otlp.yaml',
      'examples/default-routing.yaml',
    ]) {
      const r = run('validate', '--config', join(import.meta.dirname, '..', '..', 'collector-config', f));
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it.each([
    [
      'an unknown processor',
      VALID.replace('exporters:\n', 'processors:\n  sampler_x: {}\nexporters:\n'),
      'processors.sampler_x: unknown processor type "sampler_x"',
    ],
    [
      'a bad sampler rate',
      VALID.replace('exporters:\n', 'processors:\n  sampler: { rates: { medium: 2 } }\nexporters:\n'),
      'processors.sampler.rates.medium',
    ],
    [
      'a bad duration',
      VALID.replace('exporters:\n', 'processors:\n  fingerprint: { group_ttl: soon }\nexporters:\n'),
      'processors.fingerprint.group_ttl: "soon" is not a duration',
    ],
    [
      'a bad OTTL condition',
      VALID.replace(
        'exporters:\n',
        'connectors:\n  routing:\n    table:\n      - { context: log, condition: "severity_number >>", pipelines: [logs] }\nexporters:\n',
      ),
      'connectors.routing.table[0].condition',
    ],
    [
      'a dashboard off loopback without a token',
      VALID.replace('jsonfile: { path: ./x.jsonl }', 'jsonfile: { path: ./x.jsonl }\n  dashboard: { endpoint: "0.0.0.0:4319" }'),
      'exporters.dashboard.token',
    ],
    [
      'a malformed webhook secret',
      VALID.replace(
        'jsonfile: { path: ./x.jsonl }',
        'jsonfile: { path: ./x.jsonl }\n  webhook: { endpoint: "http://x", secret: "hunter2" }',
      ),
      'exporters.webhook.secret',
    ],
    [
      'a pipeline using an undeclared exporter',
      VALID.replace('exporters: [jsonfile]', 'exporters: [jsonfile, blog]'),
      'service.pipelines.logs.exporters[1]',
    ],
  ])('reports %s with its path and exits 3', (_name, yaml, expected) => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, yaml);
    const r = run('validate', '--config', file);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(expected);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+/);
  });

  it('runs the collector, takes `unitrack send`, and drains on SIGTERM', async () => {
    const dir = tempDir();
    const file = join(dir, 'events.jsonl');
    const config = join(dir, 'c.yaml');
    writeFileSync(
      config,
      VALID.replace('otlp: {}', 'otlp: { protocols: { http: { endpoint: "127.0.0.1:14399" } } }').replace('./x.jsonl', file),
    );
    const child = spawn(process.execPath, [bin, 'collector', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => child.stderr.on('data', (c: Buffer) => String(c).includes('running') && resolve()));
    const sent = spawnSync(
      process.execPath,
      [bin, 'send', '--endpoint', 'http://127.0.0.1:14399', '--severity', 'high', '--message', 'hello from send'],
      { encoding: 'utf8' },
    );
    expect(sent.status, sent.stderr).toBe(0);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(readJsonLines(file)).toMatchObject([
      { severity: 'high', message: 'hello from send', event: 'unitrack_test_event', service: 'unitrack-send' },
    ]);
    expect(spawnSync(process.execPath, [bin, 'send', '--endpoint', 'http://127.0.0.1:14399'], { encoding: 'utf8' }).status).toBe(1);
  });
});
