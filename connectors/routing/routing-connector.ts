import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Predicate } from '../../model/ottl/ottl-evaluator.ts';
import type { Counter } from '../../model/telemetry.ts';
import type { Host } from '../../pipeline/component.ts';

export interface RoutingTableEntry {
  readonly match: Predicate;
  readonly pipelines: readonly string[];
}

export interface RoutingOptions {
  id: string;
  host: Host;
  table: readonly RoutingTableEntry[];
  defaultPipelines: readonly string[];
  /** On a condition that fails to evaluate: `propagate` drops the record and reports; `ignore` reports and tries the next entry; `silent` just tries the next entry. */
  errorMode: 'propagate' | 'ignore' | 'silent';
}

interface Route {
  readonly match: Predicate;
  readonly stages: readonly LogRecordProcessor[];
  readonly routed: Counter;
}

/**
 * The `routing` connector, as otelcol-contrib's: the first table entry whose condition matches
 * sends the record to its pipelines; records matching none go to `default_pipelines`, or are
 * dropped and counted when there are none. A pipeline with processors behind a connector gets its
 * own copy (the service wraps it), so one record object can go to every target.
 */
export class RoutingConnector implements LogRecordProcessor {
  readonly #routes: readonly Route[];
  readonly #defaults: readonly LogRecordProcessor[];
  readonly #defaultRouted: Counter;
  readonly #dropped: Counter;
  readonly #errors: Counter;
  readonly #all: readonly LogRecordProcessor[];
  readonly #options: RoutingOptions;

  constructor(routes: ReadonlyMap<string, LogRecordProcessor>, options: RoutingOptions) {
    this.#options = options;
    const t = options.host.telemetry;
    const connector = options.id;
    const stagesOf = (ids: readonly string[]) => ids.map((p) => routes.get(p)).filter((s): s is LogRecordProcessor => s !== undefined);
    const help = 'Records the routing connector sent on, by table entry.';
    this.#routes = options.table.map((e, i) => ({
      match: e.match,
      stages: stagesOf(e.pipelines),
      routed: t.counter('unitrack_routing_routed_total', help, { connector, route: `table[${i}]` }),
    }));
    this.#defaults = stagesOf(options.defaultPipelines);
    this.#defaultRouted = t.counter('unitrack_routing_routed_total', help, { connector, route: 'default' });
    this.#dropped = t.counter('unitrack_routing_dropped_total', 'Records that matched no route and had no default pipeline.', {
      connector,
    });
    this.#errors = t.counter('unitrack_routing_errors_total', 'Conditions that failed to evaluate.', { connector });
    this.#all = [...new Set([...this.#routes.flatMap((r) => r.stages), ...this.#defaults])];
  }

  onEmit(record: ReadWriteLogRecord): void {
    for (const route of this.#routes) {
      let matched: boolean;
      try {
        matched = route.match(record);
      } catch (error) {
        this.#errors.add();
        const mode = this.#options.errorMode;
        if (mode !== 'silent') this.#options.host.reportError(this.#options.id, error);
        if (mode === 'propagate') return;
        continue;
      }
      if (matched) {
        route.routed.add();
        for (const s of route.stages) s.onEmit(record);
        return;
      }
    }
    if (this.#defaults.length === 0) {
      this.#dropped.add();
      return;
    }
    this.#defaultRouted.add();
    for (const s of this.#defaults) s.onEmit(record);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.#all.map((s) => s.forceFlush()));
  }

  /** The service shuts the pipelines down itself. */
  async shutdown(): Promise<void> {}
}
