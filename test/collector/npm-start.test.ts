import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { canBind, ready, repo, startProcess, startUpRows } from './collector-process.ts';

/**
 * npm's own CLI script, run on the project's Node (the machine's `npm` may start on an older
 * one): the one running `npm test`, else npm beside this Node, else the `npm` on PATH.
 */
function npmCli(): string | undefined {
  const candidates = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'npm'));
  for (const c of candidates) {
    if (!c || !existsSync(c)) continue;
    const real = realpathSync(c);
    if (/\.c?js$/.test(real)) return real;
  }
  return undefined;
}

/** Every descendant of a process (Linux /proc): npm → sh → node, or npm → node once sh has exec'd. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const npm = npmCli();

describe('npm start', () => {
  it.skipIf(!npm || !existsSync('/proc/self/stat'))(
    'passes SIGTERM on: the collector drains what it accepted, nothing is left running, the ports are free',
    async () => {
      const dir = tempDir();
      // The start script's own config (collector-config/default.yaml), pointed by its UNITRACK_* variables at free ports and a temporary directory.
      const p = startProcess(process.execPath, [npm as string, 'start'], {
        cwd: repo,
        env: {
          ...process.env,
          UNITRACK_DATA_DIR: dir,
          UNITRACK_OTLP_ENDPOINT: '127.0.0.1:0',
          UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0',
          UNITRACK_WEBHOOK_URL: '',
          UNITRACK_DASHBOARD_TOKEN: '',
        },
      });
      await ready(p);
      const rows = startUpRows(p.stderr());
      const otlp = rows.get('OTLP/HTTP')?.[0] ?? '';
      const dashboard = rows.get('dashboard')?.[0] ?? '';
      const tree = descendants(p.child.pid as number);
      const collector = tree.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('unitrack.ts\0collector'));
      expect(collector, `processes under npm: ${tree.join(', ')}`).toBeDefined();
      // Its young generation capped (bench/README.md "Collector memory"), and the run-time heap flag known to this V8.
      expect(readFileSync(`/proc/${collector}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=16');
      expect(p.stderr()).not.toContain('unrecognized flag');

      // Critical records (kept by the default sampler) in one group, under its per-group limit of 100.
      const sent = 90;
      for (let i = 0; i < sent / 10; i++) {
        const logRecords = Array.from({ length: 10 }, () => ({
          timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
          severityNumber: 21,
          severityText: 'CRITICAL',
          eventName: 'npm_start_drain',
          body: { stringValue: 'accepted before SIGTERM' },
        }));
        const res = await fetch(`${otlp}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ resourceLogs: [{ resource: {}, scopeLogs: [{ scope: { name: 't' }, logRecords }] }] }),
        });
        expect(res.status).toBe(200);
      }

      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(p.stderr()).toContain('unitrack: SIGTERM, draining');
      expect(p.stderr()).toContain('drained and stopped');
      expect(readJsonLines(join(dir, 'events.jsonl')).filter((l) => l.event === 'npm_start_drain')).toHaveLength(sent);
      for (const pid of [...tree, collector as number]) expect(alive(pid), `process ${pid} still runs`).toBe(false);
      for (const url of [otlp, dashboard]) expect(await canBind(Number(new URL(url).port))).toBe(true);
    },
  );
});
