import { describe, expect, it } from 'vitest';
import { keptFlags, splitNodeOptions, workerStartOptions } from '../../pipeline/worker-options.ts';

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
    expect(o).toEqual({ execArgv: ['--no-deprecation', '--disable-warning=ExperimentalWarning'], env: { PATH: '/bin' } });
  });
});
