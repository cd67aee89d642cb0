import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { RoutingConnector } from '../../connectors/routing/routing-connector.ts';
import { routingFactory } from '../../connectors/routing/routing-factory.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { ConfigError } from '../../pipeline/config/config-error.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { objectSource, parseConfigText } from '../../pipeline/config/source.ts';
import { tempDir } from '../helpers/tmp.ts';
import { Collect, rec, testHost } from '../processors/harness.ts';

function withRouting(routing: unknown) {
  return {
    receivers: { otlp: {} },
    connectors: { routing },
    exporters: { jsonfile: { path: '/tmp/unused.jsonl' } },
    service: {
      pipelines: {
        'logs/in': { receivers: ['otlp'], exporters: ['routing'] },
        'logs/a': { receivers: ['routing'], exporters: ['jsonfile'] },
        'logs/b': { receivers: ['routing'], exporters: ['jsonfile'] },
      },
    },
  };
}

/** The issues about the connector itself (a broken connector also leaves its pipelines pointing at nothing). */
function issues(routing: unknown): { path: string; message: string }[] {
  try {
    resolveConfig(objectSource(withRouting(routing)), defaultRegistry(), {});
  } catch (error) {
    if (error instanceof ConfigError)
      return error.issues.filter((i) => i.path.startsWith('connectors.routing')).map((i) => ({ path: i.path, message: i.message }));
    throw error;
  }
  return [];
}

describe('routing config', () => {
  it('accepts otelcol-contrib routing connector configs', () => {
    expect(
      issues({
        default_pipelines: ['logs/b'],
        error_mode: 'ignore',
        table: [
          { condition: 'attributes["service.name"] == "x"', pipelines: ['logs/a'] },
          { context: 'log', statement: 'route() where severity_number >= SEVERITY_NUMBER_WARN', pipelines: ['logs/a', 'logs/b'] },
        ],
      }),
    ).toEqual([]);
    expect(routingFactory.config.parse({ table: [{ condition: 'true', pipelines: ['logs/a'] }] })).toMatchObject({
      default_pipelines: [],
      error_mode: 'propagate',
      table: [{ context: 'resource' }],
    });
  });

  it('reports a condition that does not parse at its YAML path', () => {
    expect(issues({ table: [{ context: 'log', condition: 'severity_number => 3', pipelines: ['logs/a'] }] })).toEqual([
      { path: 'connectors.routing.table[0].condition', message: 'unexpected "=" (compare with "==") (at column 17)' },
    ]);
    expect(
      issues({
        table: [
          { condition: 'true', pipelines: ['logs/a'] },
          { context: 'log', statement: 'route() where nope', pipelines: ['logs/b'] },
        ],
      }),
    ).toEqual([
      {
        path: 'connectors.routing.table[1].statement',
        message: 'expected a comparison operator (==, !=, <, <=, >, >=) after nope, found end of condition (at column 19)',
      },
    ]);
  });

  it('says that the resource context sees only resource attributes', () => {
    const [issue] = issues({ table: [{ condition: 'severity_number >= SEVERITY_NUMBER_ERROR', pipelines: ['logs/a'] }] });
    expect(issue.path).toBe('connectors.routing.table[0].condition');
    expect(issue.message).toMatch(/not available in the resource context.*context: log/);
  });

  it('checks the shape of the table', () => {
    expect(issues({ table: [] })).toEqual([{ path: 'connectors.routing.table', message: 'the routing table needs at least one entry' }]);
    expect(issues({ table: [{ pipelines: ['logs/a'] }] })).toEqual([
      { path: 'connectors.routing.table[0]', message: 'an entry needs either a condition or a statement (not both)' },
    ]);
    expect(issues({ table: [{ condition: 'true', pipelines: [] }] })[0].path).toBe('connectors.routing.table[0].pipelines');
    expect(issues({ table: [{ context: 'span', condition: 'true', pipelines: ['logs/a'] }] })[0]).toEqual({
      path: 'connectors.routing.table[0].context',
      message: 'unitrack routes logs: context is "resource" (the default) or "log"',
    });
    expect(issues({ error_mode: 'loud', table: [{ condition: 'true', pipelines: ['logs/a'] }] })[0].path).toBe(
      'connectors.routing.error_mode',
    );
    expect(issues({ match_once: true, table: [{ condition: 'true', pipelines: ['logs/a'] }] })[0].path).toBe(
      'connectors.routing.match_once',
    );
  });

  it('checks that every target pipeline exists and lists the connector', () => {
    const found = issues({ default_pipelines: ['logs/zzz'], table: [{ condition: 'true', pipelines: ['logs/a'] }] });
    expect(found).toEqual([{ path: 'connectors.routing', message: 'routes to pipeline "logs/zzz", which is not declared' }]);
  });

  it('points at the line of a bad condition in a YAML file', () => {
    const yaml = [
      'receivers: { otlp: {} }',
      'exporters: { jsonfile: { path: /tmp/x.jsonl } }',
      'connectors:',
      '  routing:',
      '    table:',
      '      - context: log',
      '        condition: severity_number >=',
      '        pipelines: [logs/a]',
      'service:',
      '  pipelines:',
      '    logs/in: { receivers: [otlp], exporters: [routing] }',
      '    logs/a: { receivers: [routing], exporters: [jsonfile] }',
    ].join('\n');
    try {
      resolveConfig(parseConfigText(yaml, 'bad.yaml'), defaultRegistry(), {});
      expect.unreachable();
    } catch (error) {
      const issue = (error as ConfigError).issues[0];
      expect(issue.path).toBe('connectors.routing.table[0].condition');
      expect(issue.location).toBe('bad.yaml:7:9');
    }
  });

  it('makes `unitrack validate` print the path and exit non-zero', () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(
      file,
      'receivers: { otlp: {} }\nexporters: { jsonfile: {} }\nconnectors:\n  routing:\n    table:\n      - condition: IsMatch(body, "(")\n        pipelines: [logs/a]\nservice:\n  pipelines:\n    logs/in: { receivers: [otlp], exporters: [routing] }\n    logs/a: { receivers: [routing], exporters: [jsonfile] }\n',
    );
    const bin = fileURLToPath(new URL('../../bin/unitrack.ts', import.meta.url));
    const run = spawnSync(process.execPath, [bin, 'validate', '--config', file], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('connectors.routing.table[0].condition: IsMatch: invalid regular expression');
  });
});

describe('routing connector', () => {
  function connector(errorMode: 'propagate' | 'ignore' | 'silent', defaults: string[] = []) {
    const a = new Collect();
    const b = new Collect();
    const routes = new Map<string, LogRecordProcessor>([
      ['logs/a', a],
      ['logs/b', b],
    ]);
    const telemetry = new Telemetry();
    const host = testHost(telemetry);
    const c = new RoutingConnector(routes, {
      id: 'routing',
      host,
      errorMode,
      defaultPipelines: defaults,
      table: [
        {
          match: (r) => {
            if (r.body === 'bad') throw new Error('evaluation failed');
            return r.body === 'a';
          },
          pipelines: ['logs/a'],
        },
        { match: () => true, pipelines: ['logs/b'] },
      ],
    });
    return { a, b, c, telemetry };
  }

  it('uses the first matching entry only', () => {
    const { a, b, c } = connector('propagate');
    c.onEmit(rec({ body: 'a' }));
    c.onEmit(rec({ body: 'z' }));
    expect(a.records.map((r) => r.body)).toEqual(['a']);
    expect(b.records.map((r) => r.body)).toEqual(['z']);
  });

  it('follows error_mode when a condition fails', () => {
    const p = connector('propagate');
    p.c.onEmit(rec({ body: 'bad' }));
    expect(p.a.records.length + p.b.records.length).toBe(0);
    expect(p.telemetry.value('unitrack_routing_errors_total', { connector: 'routing' })).toBe(1);
    for (const mode of ['ignore', 'silent'] as const) {
      const x = connector(mode);
      x.c.onEmit(rec({ body: 'bad' }));
      expect(x.b.records.map((r) => r.body)).toEqual(['bad']);
    }
  });

  it('sends records that match nothing to the default pipelines, or drops and counts them', async () => {
    const routes = new Map<string, LogRecordProcessor>([['logs/a', new Collect()]]);
    const telemetry = new Telemetry();
    const config = routingFactory.config.parse({ table: [{ context: 'log', condition: 'body == "a"', pipelines: ['logs/a'] }] });
    const c = routingFactory.create({ id: 'routing', config, host: testHost(telemetry) }, routes);
    c.onEmit(rec({ body: 'x' }));
    expect(telemetry.value('unitrack_routing_dropped_total', { connector: 'routing' })).toBe(1);

    const withDefault = connector('propagate', ['logs/a']);
    await withDefault.c.forceFlush();
    expect(withDefault.a.flushes).toBe(1);
  });

  it('lists every pipeline it may route to', () => {
    const config = routingFactory.config.parse({
      default_pipelines: ['logs/d'],
      table: [
        { condition: 'true', pipelines: ['logs/a', 'logs/b'] },
        { condition: 'false', pipelines: ['logs/b', 'logs/c'] },
      ],
    });
    expect(routingFactory.targets(config)).toEqual(['logs/d', 'logs/a', 'logs/b', 'logs/c']);
  });
});
