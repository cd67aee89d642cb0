import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';
import { canBind, freePort, holdPort, READY, ready, repo, startCollector, startUpRows } from './collector-process.ts';

const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * A collector with every kind of file and port: OTLP/HTTP, the dashboard (and its store), the
 * group store, the JSON lines file, the blog and the webhook spool, all under `data`.
 */
function writeConfig(dir: string, o: { otlp?: string; dashboard?: string; data?: string } = {}): string {
  const data = o.data ?? join(dir, 'data');
  const config = {
    receivers: { otlp: { protocols: { http: { endpoint: o.otlp ?? '127.0.0.1:0' } } } },
    processors: { fingerprint: { store: { path: join(data, 'groups.db') } } },
    exporters: {
      jsonfile: { path: join(data, 'events.jsonl') },
      blog: { directory: join(data, 'blog') },
      // Nothing is sent in these tests, so the unreachable webhook never holds the drain.
      webhook: { endpoint: 'http://127.0.0.1:9/hook', spool: { directory: join(data, 'spool') } },
      dashboard: { endpoint: o.dashboard ?? '127.0.0.1:0', store: { path: join(data, 'dashboard.db') } },
    },
    service: {
      pipelines: {
        'logs/main': { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['jsonfile', 'blog', 'dashboard'] },
        'logs/notify': { receivers: ['otlp'], exporters: ['webhook'] },
      },
    },
  };
  const file = join(dir, 'collector.yaml');
  // JSON is YAML.
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Runs a collector that must refuse to start; returns its exit code and stderr. */
async function refused(config: string, options: Parameters<typeof startCollector>[1] = {}) {
  const p = startCollector(config, options);
  const code = await p.exited;
  return { code, stderr: p.stderr() };
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('collector start-up', () => {
  it('prints where everything is, answers on each URL it printed, and frees its ports after SIGTERM', async () => {
    const dir = tempDir();
    const config = writeConfig(dir);
    const p = startCollector(config, { cwd: dir });
    await ready(p);
    const err = p.stderr();
    const rows = startUpRows(err);
    expect(err).toContain(`unitrack ${version} collector`);
    expect(err.trimEnd().split('\n').at(-1)).toContain(READY);
    expect(rows.get('config')).toEqual([config]);

    const otlp = rows.get('OTLP/HTTP')?.[0] ?? '';
    const dashboard = rows.get('dashboard')?.[0] ?? '';
    expect(otlp).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(otlp).not.toMatch(/:0$/);
    expect(rows.get('metrics')).toEqual([`${dashboard}metrics`]);
    expect(rows.get('health')).toEqual([`${dashboard}healthz`]);
    expect(rows.get('JSON lines')).toEqual([join(dir, 'data', 'events.jsonl')]);
    expect(rows.get('blog')).toEqual([`${join(dir, 'data', 'blog')}/`]);
    expect(rows.get('group store')).toEqual([join(dir, 'data', 'groups.db')]);
    expect(rows.get('webhook spool')).toEqual([`${join(dir, 'data', 'spool')}/`]);
    expect(rows.get('dashboard store')).toEqual([join(dir, 'data', 'dashboard.db')]);
    // What it says it writes exists as it says (files and directories).
    for (const label of ['JSON lines', 'group store', 'dashboard store']) expect(statSync(rows.get(label)?.[0] ?? '').isFile()).toBe(true);
    for (const label of ['blog', 'webhook spool']) expect(statSync(rows.get(label)?.[0] ?? '').isDirectory()).toBe(true);

    // Every URL answers.
    const accepted = await fetch(`${otlp}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceLogs":[]}',
    });
    expect(accepted.status).toBe(200);
    expect(await (await fetch(dashboard)).text()).toContain('<script type="module" src="/app.js"></script>');
    expect(await (await fetch(`${dashboard}metrics`)).text()).toContain('unitrack_exporter_queue_capacity');
    const health = await fetch(`${dashboard}healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ready',
      ready: true,
      pipelines: {
        'logs/main': {
          status: 'ok',
          components: {
            'receiver:otlp': { status: 'ok' },
            'processor:fingerprint': { status: 'ok' },
            'exporter:jsonfile': { status: 'ok' },
            'exporter:dashboard': { status: 'ok' },
          },
        },
        'logs/notify': { status: 'ok', components: { 'exporter:webhook': { status: 'ok' } } },
      },
    });
    expect((await fetch(`${otlp}/healthz`)).status).toBe(200);

    const ports = [otlp, dashboard].map((u) => Number(new URL(u).port));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toContain('drained and stopped');
    for (const port of ports) expect(await canBind(port)).toBe(true);
  });

  it('exits 1 naming the address when the OTLP port is taken, and releases the dashboard port it had opened', async () => {
    const dir = tempDir();
    const held = await holdPort();
    const dashboardPort = await freePort();
    try {
      const r = await refused(writeConfig(dir, { otlp: `127.0.0.1:${held.port}`, dashboard: `127.0.0.1:${dashboardPort}` }));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`receiver otlp: cannot listen on 127.0.0.1:${held.port}: address already in use (EADDRINUSE)`);
      expect(occurrences(r.stderr, 'EADDRINUSE')).toBe(1);
      expect(r.stderr).not.toContain(READY);
      expect(await canBind(dashboardPort)).toBe(true);
    } finally {
      held.server.close();
    }
  });

  it('exits 1 naming the address when the dashboard port is taken, and opens no OTLP port', async () => {
    const dir = tempDir();
    const held = await holdPort();
    const otlpPort = await freePort();
    try {
      const r = await refused(writeConfig(dir, { otlp: `127.0.0.1:${otlpPort}`, dashboard: `127.0.0.1:${held.port}` }));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`exporter dashboard: cannot listen on 127.0.0.1:${held.port}: address already in use (EADDRINUSE)`);
      expect(r.stderr).not.toContain(READY);
      expect(await canBind(otlpPort)).toBe(true);
    } finally {
      held.server.close();
    }
  });

  it('exits 1 naming every path under a data directory that cannot be created, each once', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const data = join(dir, 'file', 'data');
    const r = await refused(writeConfig(dir, { data }));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain(READY);
    for (const line of [
      `exporter jsonfile: cannot create directory ${data}: a part of the path is not a directory (ENOTDIR)`,
      `exporter blog: cannot create directory ${join(data, 'blog')}:`,
      `exporter webhook: cannot create directory ${join(data, 'spool')}:`,
      `exporter dashboard: cannot create directory ${data}:`,
      `processor fingerprint: cannot create directory ${data}:`,
    ])
      expect(occurrences(r.stderr, line), r.stderr).toBe(1);
  });

  it.each([
    ['the JSON lines path is a directory', 'events.jsonl', 'dir', 'exporter jsonfile: cannot write {path}: is a directory (EISDIR)'],
    [
      'the group store is not a database',
      'groups.db',
      'junk',
      'processor fingerprint: cannot open the group store {path}: file is not a database',
    ],
    [
      'the dashboard store is not a database',
      'dashboard.db',
      'junk',
      'exporter dashboard: cannot open the dashboard store {path}: file is not a database',
    ],
  ])('exits 1 naming the file when %s', async (_what, name, kind, expected) => {
    const dir = tempDir();
    const path = join(dir, 'data', name);
    mkdirSync(join(dir, 'data'));
    if (kind === 'dir') mkdirSync(path);
    else writeFileSync(path, 'this is not a SQLite database, only text that looks nothing like one\n'.repeat(20));
    const r = await refused(writeConfig(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(expected.replace('{path}', path));
    expect(occurrences(r.stderr, path)).toBe(1);
    expect(r.stderr).not.toContain(READY);
  });

  it('exits 1 with EACCES, said once, when the data directory cannot be written', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    mkdirSync(data);
    // Root writes anywhere: run the collector as nobody, in a directory it can read but not write.
    const asRoot = process.getuid?.() === 0;
    chmodSync(dir, 0o755);
    chmodSync(data, 0o555);
    const config = writeConfig(dir);
    chmodSync(config, 0o644);
    const r = await refused(config, { cwd: dir, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
    expect(r.code).toBe(1);
    expect(occurrences(r.stderr, `exporter jsonfile: cannot write in directory ${data}: permission denied (EACCES)`), r.stderr).toBe(1);
    expect(r.stderr).toContain(`exporter blog: cannot create directory ${join(data, 'blog')}: permission denied (EACCES)`);
    expect(r.stderr).toContain(`processor fingerprint: cannot write in directory ${data}: permission denied (EACCES)`);
    expect(r.stderr).not.toContain(READY);
    expect(existsSync(join(data, 'events.jsonl'))).toBe(false);
  });
});
