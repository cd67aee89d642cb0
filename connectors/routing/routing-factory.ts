import { z } from 'zod';
import { compileCondition, compileStatement, type Predicate, type RoutingContext } from '../../model/ottl/ottl-evaluator.ts';
import { OttlError } from '../../model/ottl/ottl-parser.ts';
import type { ConnectorFactory } from '../../pipeline/component.ts';
import { RoutingConnector } from './routing-connector.ts';

const entry = z
  .strictObject({
    /** What the condition sees: `resource` (otelcol's default: resource attributes only) or `log`. */
    context: z
      .enum(['resource', 'log'], { message: 'unitrack routes logs: context is "resource" (the default) or "log"' })
      .default('resource'),
    /** An OTTL boolean condition. */
    condition: z.string().optional(),
    /** Or an OTTL statement: `route() where <condition>`. */
    statement: z.string().optional(),
    pipelines: z.array(z.string().min(1)).min(1, 'an entry needs at least one pipeline'),
  })
  .superRefine((e, ctx) => {
    if ((e.condition === undefined) === (e.statement === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'an entry needs either a condition or a statement (not both)' });
      return;
    }
    try {
      entryPredicate(e);
    } catch (error) {
      if (!(error instanceof OttlError)) throw error;
      ctx.addIssue({ code: 'custom', path: [e.condition !== undefined ? 'condition' : 'statement'], message: error.message });
    }
  });

export const routingConfig = z.strictObject({
  /** Where records matching no entry go; none: they are dropped and counted. */
  default_pipelines: z.array(z.string().min(1)).default([]),
  /** A condition that fails to evaluate: `propagate` drops the record, `ignore` logs and goes on, `silent` goes on. */
  error_mode: z.enum(['propagate', 'ignore', 'silent']).default('propagate'),
  /** Tried in order; the first matching entry wins. */
  table: z.array(entry).min(1, 'the routing table needs at least one entry'),
});

type Entry = z.output<typeof entry>;

function entryPredicate(e: Entry): Predicate {
  const context: RoutingContext = e.context;
  return e.condition !== undefined ? compileCondition(e.condition, context) : compileStatement(e.statement as string, context);
}

/** `routing`: otelcol-contrib's routing connector with the OTTL conditions logs routing needs. */
export const routingFactory: ConnectorFactory<typeof routingConfig> = {
  kind: 'connector',
  type: 'routing',
  config: routingConfig,
  targets: (config) => [...new Set([...config.default_pipelines, ...config.table.flatMap((e) => e.pipelines)])],
  create: ({ id, config, host }, routes) =>
    new RoutingConnector(routes, {
      id,
      host,
      table: config.table.map((e) => ({ match: entryPredicate(e), pipelines: e.pipelines })),
      defaultPipelines: config.default_pipelines,
      errorMode: config.error_mode,
    }),
};
