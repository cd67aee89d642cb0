import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { ConfigError } from '../../pipeline/config/config-error.ts';
import { parseDuration } from '../../pipeline/config/duration.ts';
import { expandEnv } from '../../pipeline/config/expand-env.ts';
import { DEFAULT_CONFIG_PATH } from '../../pipeline/config/load-config.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { parseConfigText, readConfigFiles } from '../../pipeline/config/source.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { tempDir } from '../helpers/tmp.ts';

function issuesOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveConfig(parseConfigText(yaml, 'test.yaml'), defaultRegistry(), env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

const VALID = `
receivers:
  otlp: {}
exporters:
  jsonfile: { path: ./x.jsonl }
service:
  pipelines:
    logs: { receivers: [otlp], exporters: [jsonfile] }
`;

describe('config', () => {
  it('loads the embedded default', () => {
    const config = loadServiceConfig(undefined);
    expect(DEFAULT_CONFIG_PATH).toMatch(/collector-config\/default\.yaml$/);
    expect(config.pipelines.size).toBeGreaterThan(0);
  });

  it('expands ${env:NAME} and ${env:NAME:-default}, keeping types of whole values', () => {
    const env = { HOST: 'example.org', PORT: '4318', EMPTY: '' };
    expect(
      expandEnv(
        {
          a: '${env:HOST}:${env:PORT}',
          b: '${env:PORT}',
          c: '${env:MISSING:-fallback}',
          d: '${env:EMPTY:-x}',
          e: '$${env:HOST}',
          f: [true, '${env:NOPE}'],
        },
        env,
      ),
    ).toEqual({ a: 'example.org:4318', b: 4318, c: 'fallback', d: 'x', e: '${env:HOST}', f: [true, ''] });
  });

  it('parses Go-style durations', () => {
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('10')).toBeUndefined();
  });

  it('accepts a valid config', () => {
    expect(issuesOf(VALID)).toEqual([]);
  });

  it.each([
    ['an unknown top-level key', `${VALID}\nextra: 1\n`, 'extra: Unrecognized key "extra"'],
    [
      'an unknown component type',
      VALID.replace('jsonfile: { path', 'nosuch: {}\n  jsonfile: { path'),
      'exporters.nosuch: unknown exporter type "nosuch"',
    ],
    ['an unknown key in a component', VALID.replace('path: ./x.jsonl', 'path: ./x.jsonl, colour: red'), 'exporters.jsonfile'],
    [
      'an undeclared exporter in a pipeline',
      VALID.replace('exporters: [jsonfile] }', 'exporters: [jsonfile, webhookz] }'),
      'service.pipelines.logs.exporters[1]: "webhookz" is not declared',
    ],
    ['an undeclared receiver', VALID.replace('receivers: [otlp]', 'receivers: [otlp/2]'), 'service.pipelines.logs.receivers[0]'],
    [
      'a traces pipeline',
      VALID.replace('    logs: {', '    traces: { receivers: [otlp], exporters: [jsonfile] }\n    logs: {'),
      'service.pipelines.traces: unitrack runs logs pipelines only',
    ],
    ['no pipelines', 'receivers: { otlp: {} }\nservice: { pipelines: {} }\n', 'service.pipelines: at least one pipeline is required'],
    [
      'a pipeline without exporters',
      VALID.replace(', exporters: [jsonfile] }', ' }'),
      'service.pipelines.logs.exporters: a pipeline needs at least one exporter',
    ],
  ])('reports %s with its path', (_name, yaml, expected) => {
    const issues = issuesOf(yaml);
    expect(issues.some((i) => i.startsWith(expected))).toBe(true);
  });

  it('points at the file and line of an error', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, VALID.replace('exporters: [jsonfile] }', 'exporters: [jsonfile, missing] }'));
    try {
      resolveConfig(readConfigFiles([file]), defaultRegistry(), {});
      expect.unreachable();
    } catch (error) {
      const issue = (error as ConfigError).issues[0];
      expect(issue.location).toMatch(/bad\.yaml:8:\d+$/);
    }
  });

  it('merges several files in order, maps merged and lists replaced', () => {
    const dir = tempDir();
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, VALID);
    writeFileSync(b, 'exporters:\n  jsonfile/2: { path: ./y.jsonl }\nservice:\n  pipelines:\n    logs: { exporters: [jsonfile/2] }\n');
    const config = resolveConfig(readConfigFiles([a, b]), defaultRegistry(), {});
    expect(config.pipelines.get('logs')).toMatchObject({ receivers: ['otlp'], exporters: ['jsonfile/2'] });
    expect(config.warnings).toEqual(['exporters.jsonfile is declared but no pipeline uses it']);
  });

  it('reports YAML syntax errors with a location', () => {
    try {
      parseConfigText('receivers: [unclosed', 'broken.yaml');
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues[0].location).toMatch(/^broken\.yaml:\d+:\d+$/);
    }
  });
});
