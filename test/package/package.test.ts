// The installed package, met as a user meets it: the tarball installed into a fresh app, imported
// from ESM and CommonJS, its README quick start run verbatim, its bin run from node_modules/.bin,
// a strict TypeScript consumer type-checked, on the oldest Node that engines admits and on 24.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../cli/environment.ts';
import { nodeBinary, oldestAdmittedNode, type PackedApp, packedApp, REPO } from '../helpers/packed-app.ts';
import { readJsonLines } from '../helpers/tmp.ts';

let app: PackedApp;
let oldest: string;

beforeAll(async () => {
  app = await packedApp();
  oldest = nodeBinary(oldestAdmittedNode());
}, 300_000);

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `args` with `node` in `cwd` (the app by default), data in a fresh directory. */
function run(node: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Ran {
  const r = spawnSync(node, args, {
    cwd: options.cwd ?? app.dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0', ...options.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The fenced code blocks of a Markdown file with the given language tag. */
function codeBlocks(markdown: string, lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm');
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) out.push(m[1]);
  return out;
}

/** A scratch directory inside the app (so `unitrack` resolves from its node_modules). */
function scratch(name: string): string {
  const dir = join(app.dir, 'scratch', `${name}-${process.hrtime.bigint()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const NODES = [
  ['the oldest Node engines admits', () => oldest],
  ['Node 24 (the project’s)', () => process.execPath],
] as const;

describe('the tarball', () => {
  it('holds the build and what runs, no tests, benchmarks or TypeScript sources', () => {
    const files = spawnSync('tar', ['tzf', app.tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/sdk/index.js');
    expect(files).toContain('package/dist/sdk/index.d.ts');
    expect(files).toContain('package/dist/bin/unitrack.js');
    expect(files).toContain('package/dist/collector-config/default.yaml');
    expect(files).toContain('package/dist/exporters/dashboard/page/index.html');
    expect(files.filter((f) => /^package\/(test|bench|examples)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f))).toEqual([]);
  });

  it('declares engines that admit the Nodes these tests run on', () => {
    const pkg = JSON.parse(readFileSync(join(app.dir, 'node_modules', 'unitrack', 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe(`^${oldestAdmittedNode()}`);
    expect(Number(process.versions.node.split('.')[0])).toBe(Number(oldestAdmittedNode().split('.')[0]));
  });
});

describe.each(NODES)('on %s', (_, node) => {
  it('imports from ESM with no warning', () => {
    const r = run(node(), [
      '--input-type=module',
      '-e',
      "const u = await import('unitrack'); console.log(typeof u.track, typeof u.initTracking)",
    ]);
    expect(r).toMatchObject({ status: 0, stdout: 'function function\n', stderr: '' });
  });

  it('requires from CommonJS with no warning', () => {
    const dir = scratch('cjs');
    writeFileSync(join(dir, 'main.cjs'), "const u = require('unitrack'); console.log(typeof u.track, typeof u.unitrackProcessor);\n");
    const r = run(node(), ['main.cjs'], { cwd: dir });
    expect(r).toMatchObject({ status: 0, stdout: 'function function\n', stderr: '' });
  });

  it('runs every ts and js block of the README verbatim; those that track write their events', () => {
    const blocks = [...codeBlocks(README, 'ts').map((b) => ['ts', b]), ...codeBlocks(README, 'js').map((b) => ['mjs', b])];
    expect(blocks.length).toBeGreaterThan(3);
    for (const [i, [ext, block]] of blocks.entries()) {
      const dir = scratch(`readme-${i}`);
      writeFileSync(join(dir, `block.${ext}`), block);
      const r = run(node(), [`block.${ext}`], { cwd: dir });
      expect(r.status, `README block ${i}:\n${block}\n${r.stderr}`).toBe(0);
      // Quiet unless something is wrong: at most the dashboard's one line.
      expect(r.stderr.split('\n').filter((l) => l && !/^unitrack: dashboard at http:\/\/127\.0\.0\.1:\d+\/$/.test(l))).toEqual([]);
      if (/\btrack\w*\(/.test(block)) expect(readJsonLines(join(dir, 'data', 'events.jsonl')).length).toBeGreaterThan(0);
    }
  });

  it('runs node_modules/.bin/unitrack: --help, --version, validate', () => {
    const bin = join(app.dir, 'node_modules', '.bin', 'unitrack');
    const help = run(node(), [bin, '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('unitrack collector');
    const version = run(node(), [bin, '--version']);
    expect(version.stdout.trim()).toBe(`unitrack ${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}`);
    const valid = run(node(), [bin, 'validate']);
    expect(valid.status, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/valid/);

    const dir = scratch('validate');
    writeFileSync(
      join(dir, 'bad.yaml'),
      'exporters:\n  jsonfile: { pathh: x.jsonl }\nservice:\n  pipelines:\n    logs: { receivers: [otlp], exporters: [jsonfile] }\n',
    );
    const invalid = run(node(), [bin, 'validate', '--config', 'bad.yaml'], { cwd: dir });
    expect(invalid.status).toBe(3);
    expect(invalid.stderr).toContain('pathh');
  });
});

describe('the lifetime, environment and failure rules, from the installed package', () => {
  /** A script in a fresh directory of the app, run on Node 24; returns the run and its data dir. */
  function script(name: string, code: string, env: NodeJS.ProcessEnv = {}) {
    const dir = scratch(name);
    writeFileSync(join(dir, 'app.mjs'), code);
    return { r: run(process.execPath, ['app.mjs'], { cwd: dir, env }), dir };
  }

  it('a script that tracks and never shuts down exits by itself, its events written', () => {
    const { r, dir } = script(
      'lifetime',
      "import { track } from 'unitrack';\nfor (let i = 0; i < 5; i++) track({ event: 'job_done', severity: 'high', message: `job ${i}` });\n",
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readJsonLines(join(dir, 'data', 'events.jsonl')).map((e) => e.message)).toEqual(['job 0', 'job 1', 'job 2', 'job 3', 'job 4']);
  });

  it('carries OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES into JSON lines', () => {
    const { r, dir } = script('env', "import { track } from 'unitrack';\ntrack({ event: 'hello' });\n", {
      OTEL_SERVICE_NAME: 'billing',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.version=1.2.3,team=payments',
    });
    expect(r.status, r.stderr).toBe(0);
    const [line] = readJsonLines(join(dir, 'data', 'events.jsonl'));
    expect(line).toMatchObject({ service: 'billing', environment: 'staging', version: '1.2.3', resource: { team: 'payments' } });
  });

  it('OTEL_SDK_DISABLED=true: track() does nothing and nothing starts', () => {
    const { r, dir } = script('disabled', "import { track } from 'unitrack';\ntrack({ event: 'hello', severity: 'critical' });\n", {
      OTEL_SDK_DISABLED: 'true',
    });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('a config that cannot be read is said once on stderr, naming the file, and the app goes on', () => {
    const { r } = script(
      'missing-config',
      "import { initTracking, track } from 'unitrack';\ninitTracking({ config: 'missing.yaml' });\nfor (let i = 0; i < 3; i++) track({ event: 'e' });\nconsole.log('app done');\n",
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('app done\n');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('missing.yaml');
  });
});

describe('the README', () => {
  it('lists every environment variable `unitrack --help` lists, and no other', () => {
    const table = new Set([...README.matchAll(/^\| `((?:OTEL|UNITRACK)_[A-Z_]+)` \|/gm)].map((m) => m[1]));
    expect(table).toEqual(new Set(ENVIRONMENT.map((v) => v.name)));
    const help = run(process.execPath, [join(app.dir, 'node_modules', '.bin', 'unitrack'), '--help']).stdout;
    for (const v of ENVIRONMENT) expect(help).toContain(v.name);
  });
});

describe('the bin as a shell runs it', () => {
  it('starts through its #!/usr/bin/env line with the first Node on PATH', () => {
    const bin = join(app.dir, 'node_modules', '.bin', 'unitrack');
    const path = `${join(oldest, '..')}:${process.env.PATH}`;
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: { PATH: path } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^unitrack \d+\.\d+\.\d+/);
    // The line caps V8's young generation (a collector's RSS under load: bench/README.md "Collector memory").
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S node --max-semi-space-size=16');
  });
});

describe('a strict TypeScript consumer', () => {
  it('type-checks against the declarations (module nodenext, strict, no skipLibCheck)', () => {
    const dir = scratch('tsc');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        include: ['*.mts', '*.cts'],
      }),
    );
    writeFileSync(
      join(dir, 'consumer.mts'),
      [
        "import { initTracking, track, trackError, trackMcpEvent, withCorrelation, flushTracking, shutdownTracking, unitrackProcessor, getMetrics, listGroups, type GroupSummary, type TrackEvent } from 'unitrack';",
        "import { ignoreUnitrackRequests } from 'unitrack/instrumentation';",
        "initTracking({ serviceName: 'typed', spanEvents: false });",
        "const event: TrackEvent = { event: 'typed_event', severity: 'high', category: 'task', metadata: { n: 1 } };",
        'track(event);',
        "withCorrelation({ correlationId: 'c-1' }, () => trackError('failed', new Error('x'), { component: 'billing' }));",
        "trackError({ event: 'typed_keyword', error: new Error('y'), severity: 'critical', metadata: { id: 1 } });",
        "trackMcpEvent({ event: 'mcp_down', server: 'memory' });",
        "const groups: GroupSummary[] = await listGroups({ status: 'unresolved', sort: 'count' });",
        "const metrics = await getMetrics({ range: '1h' });",
        'const errors: number = metrics.total_errors;',
        'void groups; void errors; void ignoreUnitrackRequests;',
        'const processor = unitrackProcessor();',
        'void processor;',
        'await flushTracking();',
        'await shutdownTracking();',
        '// @ts-expect-error: severity is one of the levels',
        "track({ event: 'x', severity: 'loud' });",
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'consumer.cts'), "import unitrack = require('unitrack');\nunitrack.track({ event: 'from_cjs' });\n");
    // The project's own TypeScript, resolving everything else from the app's node_modules.
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = run(process.execPath, [tsc, '-p', dir]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
