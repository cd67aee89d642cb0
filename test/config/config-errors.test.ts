import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { ConfigError } from '../../pipeline/config/config-error.ts';
import { didYouMean, nearest } from '../../pipeline/config/did-you-mean.ts';
import { expandEnv, type UnsetVariable } from '../../pipeline/config/expand-env.ts';
import { resolveConfig, type ServiceConfig } from '../../pipeline/config/service-config.ts';
import { parseConfigText, readConfigFiles } from '../../pipeline/config/source.ts';
import { tempDir } from '../helpers/tmp.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'unitrack.ts');

/** A config with 8 distinct mistakes, one a line, and the one error each must give. */
const EIGHT = `receivers:
  otlp:
    protocols:
      http:
        endpoint: not-an-endpoint
processors:
  samplr:
    rates: { medium: 0.5 }
  rate_limiter:
    per_group: { limit: -1, window: 1m }
  fingerprint:
    group_ttl: 24h
exporters:
  jsonfile:
    path: \${env:H5_EVENTS_PATH}
    rotaton: { max_megabytes: 10 }
  webhook:
    endpoint: \${env:H5_WEBHOOK_URL}
    format: slak
  blog:
    directory: ./blog
service:
  pipelines:
    logs:
      receivers: [otlp]
      processors: [samplr, rate_limiter, fingerprnt]
      exporters: [jsonfile, webhook, blogg]
`;

const EXPECTED: [location: string, path: string, message: string | RegExp][] = [
  ['5:9', 'receivers.otlp.protocols.http.endpoint', 'must be host:port'],
  ['7:3', 'processors.samplr', 'unknown processor type "samplr" (did you mean "sampler"?)'],
  ['10:18', 'processors.rate_limiter.per_group.limit', /expected number to be >=0/],
  ['15:5', 'exporters.jsonfile.path', /^\$\{env:H5_EVENTS_PATH\} is not set, and a value is required here: /],
  ['16:5', 'exporters.jsonfile.rotaton', 'Unrecognized key "rotaton" (did you mean "rotation"?)'],
  [
    '19:5',
    'exporters.webhook.format',
    'Invalid option "slak" (did you mean "slack"?): expected one of "standard", "slack", "discord", "teams", "plain"',
  ],
  ['26:42', 'service.pipelines.logs.processors[2]', '"fingerprnt" is not declared under processors (did you mean "fingerprint"?)'],
  ['27:38', 'service.pipelines.logs.exporters[2]', '"blogg" is not declared under exporters or connectors (did you mean "blog"?)'],
];

function failure(yaml: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    resolveConfig(parseConfigText(yaml, 'test.yaml'), defaultRegistry(), env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the config was accepted');
}

const messages = (yaml: string, env: NodeJS.ProcessEnv = {}) => failure(yaml, env).issues.map((i) => `${i.path}: ${i.message}`);
const resolve = (yaml: string, env: NodeJS.ProcessEnv = {}): ServiceConfig =>
  resolveConfig(parseConfigText(yaml, 'test.yaml'), defaultRegistry(), env);

const VALID = `receivers:
  otlp: {}
processors:
  sampler: {}
exporters:
  jsonfile: { path: ./x.jsonl }
  blog: { directory: ./blog }
service:
  pipelines:
    logs: { receivers: [otlp], processors: [sampler], exporters: [jsonfile, blog] }
`;

describe('config errors: one mistake, one error', () => {
  it('a config with 8 mistakes gives exactly 8 errors, each with its path, file:line:col and suggestion', () => {
    const file = join(tempDir(), 'eight.yaml');
    writeFileSync(file, EIGHT);
    let error: ConfigError | undefined;
    try {
      resolveConfig(readConfigFiles([file]), defaultRegistry(), {});
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = error?.issues ?? [];
    expect(issues.map((i) => i.path)).toEqual(EXPECTED.map(([, path]) => path));
    EXPECTED.forEach(([location, , message], i) => {
      expect(issues[i].location).toBe(`${file}:${location}`);
      if (typeof message === 'string') expect(issues[i].message).toBe(message);
      else expect(issues[i].message).toMatch(message);
    });
    // The unset webhook URL is optional (empty disables the exporter): a warning, not a ninth error.
    expect(error?.warnings).toEqual([`${file}:18:5 exporters.webhook.endpoint: \${env:H5_WEBHOOK_URL} is not set, so it expands to empty`]);
  });

  it('`unitrack validate` prints the 8 errors and the warning, and exits 3', () => {
    const file = join(tempDir(), 'eight.yaml');
    writeFileSync(file, EIGHT);
    const env = { ...process.env };
    delete env.H5_EVENTS_PATH;
    delete env.H5_WEBHOOK_URL;
    const r = spawnSync(process.execPath, [bin, 'validate', '--config', file], { encoding: 'utf8', env });
    expect(r.status).toBe(3);
    const lines = r.stderr.split('\n').filter((l) => l.trim());
    const errors = lines.filter((l) => l.startsWith(`  ${file}:`));
    expect(errors).toHaveLength(8);
    EXPECTED.forEach(([location, path], i) => {
      expect(errors[i]).toContain(`${file}:${location} ${path}: `);
    });
    expect(lines.filter((l) => l.startsWith('warning: '))).toEqual([
      `warning: ${file}:18:5 exporters.webhook.endpoint: \${env:H5_WEBHOOK_URL} is not set, so it expands to empty`,
    ]);
    expect(lines).toHaveLength(1 + 8 + 1);
  });

  it('a declared but invalid component is not also undeclared in the pipelines that list it', () => {
    const yaml = VALID.replace('sampler: {}', 'sampler: { rates: { medium: 2 } }').replace(
      'jsonfile: { path: ./x.jsonl }',
      'jsonfile: { path: "" }',
    );
    expect(messages(yaml)).toEqual([
      'processors.sampler.rates.medium: Too big: expected number to be <=1',
      'exporters.jsonfile.path: Too small: expected string to have >=1 characters',
    ]);
  });

  it('a component of an unknown type, or with a bad id, is one error too', () => {
    expect(messages(VALID.replace('sampler: {}', 'samplr: {}').replace('processors: [sampler]', 'processors: [samplr]'))).toEqual([
      'processors.samplr: unknown processor type "samplr" (did you mean "sampler"?)',
    ]);
    expect(messages(VALID.replace('sampler: {}', 'Sampler: {}').replace('processors: [sampler]', 'processors: [Sampler]'))).toEqual([
      'processors.Sampler: "Sampler" is not a component id (type or type/name)',
    ]);
  });

  it('a misspelt section is one error, and what it holds is still read and checked', () => {
    expect(messages(VALID.replace('exporters:\n  jsonfile', 'exportrs:\n  jsonfile'))).toEqual([
      'exportrs: Unrecognized key "exportrs" (did you mean "exporters"?)',
    ]);
    expect(messages(VALID.replace('exporters:\n  jsonfile: { path: ./x.jsonl }', 'exporter:\n  jsonfile: { path: 7 }'))).toEqual([
      'exporter: Unrecognized key "exporter" (did you mean "exporters"?)',
      'exporter.jsonfile.path: Invalid input: expected string, received number',
    ]);
    expect(messages(VALID.replace('  pipelines:', '  pipeline:'))).toEqual([
      'service.pipeline: Unrecognized key "pipeline" (did you mean "pipelines"?)',
    ]);
  });

  it('a misspelt pipeline key is one error, not also "needs a receiver" or an unused component', () => {
    const failed = failure(
      VALID.replace('processors: [sampler]', 'procesors: [sampler]').replace('receivers: [otlp]', 'recievers: [otlp]'),
    );
    expect(failed.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'service.pipelines.logs.recievers: Unrecognized key "recievers" (did you mean "receivers"?)',
      'service.pipelines.logs.procesors: Unrecognized key "procesors" (did you mean "processors"?)',
    ]);
    expect(failed.warnings).toEqual([]);
  });

  it('a list that is not a list is one error', () => {
    expect(messages(VALID.replace('exporters: [jsonfile, blog]', 'exporters: jsonfile'))).toEqual([
      'service.pipelines.logs.exporters: must be a list of component ids',
    ]);
  });

  it('a section that is not a map does not make its components undeclared', () => {
    expect(messages(VALID.replace('processors:\n  sampler: {}', 'processors: [sampler]'))).toEqual(['processors: must be a map']);
  });

  it('suggests the nearest component name, pipeline and enum value', () => {
    const named = VALID.replace('jsonfile: { path: ./x.jsonl }', 'jsonfile/archive: { path: ./x.jsonl }');
    const failed = failure(named.replace('exporters: [jsonfile, blog]', 'exporters: [jsonfile/archve, blog]'));
    expect(failed.issues.map((i) => i.message)).toEqual([
      '"jsonfile/archve" is not declared under exporters or connectors (did you mean "jsonfile/archive"?)',
    ]);
    // The name that was meant counts as used: no "declared but unused" warning besides the error.
    expect(failed.warnings).toEqual([]);

    const routed = `receivers: { otlp: {} }
exporters: { jsonfile: { path: ./x.jsonl } }
connectors:
  routing:
    default_pipelines: [logs/archve]
    table: [{ context: log, condition: "true", pipelines: [logs/archive] }]
service:
  pipelines:
    logs/in: { receivers: [otlp], exporters: [routing] }
    logs/archive: { receivers: [routing], exporters: [jsonfile] }
`;
    expect(messages(routed)).toEqual([
      'connectors.routing: routes to pipeline "logs/archve", which is not declared (did you mean "logs/archive"?)',
    ]);

    expect(messages(VALID.replace('jsonfile: { path: ./x.jsonl }', 'jsonfile: { path: ./x.jsonl, format: jsonn }'))).toEqual([
      'exporters.jsonfile.format: Invalid option "jsonn" (did you mean "json"?): expected one of "json", "otlp_json"',
    ]);
  });

  it('offers no suggestion when nothing is near, and lists the keys of a small map instead', () => {
    expect(messages(`${VALID}colour: red\n`)).toEqual([
      'colour: Unrecognized key "colour" (expected one of receivers, processors, exporters, connectors, service, extensions)',
    ]);
    expect(messages(VALID.replace('sampler: {}', 'sampler: { zzzzzz: 1 }'))).toEqual([
      'processors.sampler.zzzzzz: Unrecognized key "zzzzzz" (expected one of rates, from_attribute)',
    ]);
  });

  it('reports each unknown key of one map as its own error', () => {
    expect(messages(VALID.replace('sampler: {}', 'sampler: { rtes: {}, from_atribute: x }'))).toEqual([
      'processors.sampler.rtes: Unrecognized key "rtes" (did you mean "rates"?)',
      'processors.sampler.from_atribute: Unrecognized key "from_atribute" (did you mean "from_attribute"?)',
    ]);
  });
});

describe('config errors: ${env:NAME}', () => {
  it('an unset variable without a default expands to empty, with a warning that names it', () => {
    const unset: UnsetVariable[] = [];
    expect(expandEnv({ a: { b: ['x', '${env:H5_NOPE}/y'] }, c: '${env:H5_NOPE2:-}', d: '${env:H5_SET}' }, { H5_SET: 'v' }, unset)).toEqual({
      a: { b: ['x', '/y'] },
      c: '',
      d: 'v',
    });
    // `:-` with nothing after it is empty on purpose: no warning.
    expect(unset).toEqual([{ path: 'a.b[1]', name: 'H5_NOPE' }]);

    const config = resolve(VALID.replace('sampler: {}', 'sampler: { from_attribute: "x${env:H5_ATTR}" }'));
    expect(config.warnings).toEqual([
      'test.yaml:4:14 processors.sampler.from_attribute: ${env:H5_ATTR} is not set, so it expands to empty',
    ]);
  });

  it('where a value is required, the unset variable is the error, named once', () => {
    expect(messages(VALID.replace('path: ./x.jsonl', 'path: "${env:H5_PATH}"'))).toEqual([
      'exporters.jsonfile.path: ${env:H5_PATH} is not set, and a value is required here: Too small: expected string to have >=1 characters',
    ]);
    expect(failure(VALID.replace('path: ./x.jsonl', 'path: "${env:H5_PATH}"')).warnings).toEqual([]);
    expect(messages(VALID.replace('otlp: {}', 'otlp: { protocols: { http: { endpoint: "${env:H5_HOST}:${env:H5_PORT}" } } }'))).toEqual([
      'receivers.otlp.protocols.http.endpoint: ${env:H5_HOST}, ${env:H5_PORT} are not set, and a value is required here: must be host:port',
    ]);
  });

  it('a set variable, or a default, gives neither', () => {
    expect(resolve(VALID.replace('path: ./x.jsonl', 'path: "${env:H5_PATH}"'), { H5_PATH: './y.jsonl' }).warnings).toEqual([]);
    expect(resolve(VALID.replace('path: ./x.jsonl', 'path: "${env:H5_PATH:-./z.jsonl}"')).warnings).toEqual([]);
  });

  it('the shipped default config warns about nothing when no variable is set', () => {
    const file = join(import.meta.dirname, '..', '..', 'collector-config', 'default.yaml');
    expect(resolveConfig(readConfigFiles([file]), defaultRegistry(), {}).warnings).toEqual([]);
  });
});

describe('did you mean', () => {
  it('finds the nearest word within a few edits', () => {
    expect(nearest('rotaton', ['path', 'format', 'rotation'])).toBe('rotation');
    expect(nearest('max_megabyte', ['max_megabytes', 'max_days'])).toBe('max_megabytes');
    expect(nearest('fromat', ['format', 'path'])).toBe('format'); // two neighbours swapped
    expect(nearest('JSONFILE', ['jsonfile'])).toBe('jsonfile');
    expect(didYouMean('proccessors', ['receivers', 'processors'])).toBe(' (did you mean "processors"?)');
  });

  it('suggests nothing far away, nor for short words more than one edit off', () => {
    expect(nearest('colour', ['path', 'format', 'rotation'])).toBeUndefined();
    expect(nearest('ttl', ['tls'])).toBeUndefined(); // two edits in three letters
    expect(nearest('tl', ['tls'])).toBe('tls');
    expect(nearest('ab', ['xy'])).toBeUndefined();
    expect(nearest('sampler', ['sampler'])).toBeUndefined();
    expect(didYouMean('zzz', ['a'])).toBe('');
  });
});
