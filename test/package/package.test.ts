// The installed package, met as a user meets it: the tarball installed into a fresh app, imported
// from ESM and CommonJS, its README quick start run verbatim, its bin run from node_modules/.bin,
// a strict TypeScript consumer type-checked, on the oldest Node that engines admits and on 24.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
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

  it('runs the README quick start verbatim and writes its events', () => {
    const blocks = codeBlocks(README, 'ts');
    expect(blocks.length).toBeGreaterThan(0);
    for (const [i, block] of blocks.entries()) {
      const dir = scratch(`readme-${i}`);
      writeFileSync(join(dir, 'block.ts'), block);
      const r = run(node(), ['block.ts'], { cwd: dir });
      expect(r.stderr).not.toMatch(/Warning|Error/);
      expect(r.status, r.stderr).toBe(0);
      if (block.includes('initTracking')) {
        const events = readJsonLines(join(dir, 'data', 'events.jsonl'));
        expect(events.length).toBeGreaterThan(0);
      }
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

describe('the bin as a shell runs it', () => {
  it('starts through its #!/usr/bin/env node line with the first Node on PATH', () => {
    const bin = join(app.dir, 'node_modules', '.bin', 'unitrack');
    const path = `${join(oldest, '..')}:${process.env.PATH}`;
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: { PATH: path } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^unitrack \d+\.\d+\.\d+/);
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
        "import { initTracking, track, trackError, withCorrelation, flushTracking, shutdownTracking, unitrackProcessor, type TrackEvent } from 'unitrack';",
        "initTracking({ serviceName: 'typed', spanEvents: false });",
        "const event: TrackEvent = { event: 'typed_event', severity: 'high', category: 'task', metadata: { n: 1 } };",
        'track(event);',
        "withCorrelation({ correlationId: 'c-1' }, () => trackError('failed', new Error('x'), { component: 'billing' }));",
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
