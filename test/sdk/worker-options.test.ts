import { describe, expect, it } from 'vitest';
import { keptFlags, splitNodeOptions, WORKER_YOUNG_GENERATION_MB, workerStartOptions } from '../../pipeline/worker-options.ts';

describe("unitrack's worker start-up flags", () => {
  it("drop the application's start-up files and keep loading and warning flags", () => {
    expect(
      keptFlags([
        '--import',
        './instrumentation.mjs',
        '--require=./tracing.cjs',
        '-r',
        'dotenv/config',
        '--experimental-loader',
        '@opentelemetry/instrumentation/hook.mjs',
        '--max-old-space-size=512',
        '--experimental-strip-types',
        '--disable-warning',
        'ExperimentalWarning',
        '--disable-warning=DeprecationWarning',
        '--no-warnings',
        '--enable-source-maps',
        '--inspect=9229',
      ]),
    ).toEqual([
      '--experimental-strip-types',
      '--disable-warning',
      'ExperimentalWarning',
      '--disable-warning=DeprecationWarning',
      '--no-warnings',
      '--enable-source-maps',
    ]);
  });

  it('split NODE_OPTIONS as Node does: quotes group, a backslash escapes inside them', () => {
    expect(splitNodeOptions('  --import "./my dir/otel.mjs"  --no-warnings ')).toEqual(['--import', './my dir/otel.mjs', '--no-warnings']);
    expect(splitNodeOptions('--title "a \\"b\\""')).toEqual(['--title', 'a "b"']);
    expect(splitNodeOptions('')).toEqual([]);
  });

  it('move the kept flags of NODE_OPTIONS to execArgv and leave NODE_OPTIONS out of the environment', () => {
    const o = workerStartOptions(['--import', 'x.mjs', '--no-deprecation'], {
      NODE_OPTIONS: '--require ./otel.cjs --disable-warning=ExperimentalWarning',
      PATH: '/bin',
      UNSET: undefined,
    });
    expect(o).toMatchObject({ execArgv: ['--no-deprecation', '--disable-warning=ExperimentalWarning'], env: { PATH: '/bin' } });
  });

  it('cap the young generation of a worker started with them, which V8 would grow under load', async () => {
    const { Worker } = await import('node:worker_threads');
    // Objects that survive a few scavenges each: what makes V8 grow a young generation.
    const churn = `const { parentPort } = require('node:worker_threads');
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 100000) keep = keep.slice(50000); }
      parentPort.postMessage(require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
    const newSpace = async (options: object) => {
      const w = new Worker(churn, { eval: true, ...options });
      const size = await new Promise<number>((resolve) => w.once('message', resolve));
      await w.terminate();
      return size / 1048576;
    };
    const [uncapped, capped] = await Promise.all([newSpace({}), newSpace(workerStartOptions())]);
    expect(uncapped).toBeGreaterThan(WORKER_YOUNG_GENERATION_MB);
    expect(capped).toBeLessThanOrEqual(WORKER_YOUNG_GENERATION_MB);
  });
});
