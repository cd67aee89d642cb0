/** A pipeline as the config declares it: ids of its receivers, processors and exporters, in order. */
export interface PipelineConfig {
  readonly id: string;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/**
 * The edges between pipelines: a connector is an exporter of some pipelines and a receiver of
 * others. One module answers every question about them, for validation and construction alike.
 */
export class PipelineGraph {
  readonly #pipelines: ReadonlyMap<string, PipelineConfig>;
  readonly #connectors: ReadonlySet<string>;

  constructor(pipelines: ReadonlyMap<string, PipelineConfig>, connectorIds: Iterable<string>) {
    this.#pipelines = pipelines;
    this.#connectors = new Set(connectorIds);
  }

  /** The pipelines that list `componentId` (a receiver or a connector) among their receivers. */
  receiving(componentId: string): PipelineConfig[] {
    return [...this.#pipelines.values()].filter((p) => p.receivers.includes(componentId));
  }

  /** The pipelines that list `componentId` (an exporter or a connector) among their exporters. */
  exporting(componentId: string): PipelineConfig[] {
    return [...this.#pipelines.values()].filter((p) => p.exporters.includes(componentId));
  }

  /** The pipelines `pid` feeds through its connectors. */
  downstream(pid: string): string[] {
    const out: string[] = [];
    for (const ex of this.#pipelines.get(pid)?.exporters ?? []) {
      if (this.#connectors.has(ex)) for (const p of this.receiving(ex)) out.push(p.id);
    }
    return out;
  }

  /** One cycle of pipelines fed through connectors, as pipeline ids (first repeated last), if any. */
  findCycle(): string[] | undefined {
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (pid: string): string[] | undefined => {
      state.set(pid, 'open');
      stack.push(pid);
      for (const n of this.downstream(pid)) {
        if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
        if (!state.has(n)) {
          const c = visit(n);
          if (c) return c;
        }
      }
      stack.pop();
      state.set(pid, 'done');
      return undefined;
    };
    for (const pid of this.#pipelines.keys()) {
      if (state.has(pid)) continue;
      const c = visit(pid);
      if (c) return c;
    }
    return undefined;
  }

  /** Every pipeline, each before the pipelines it feeds (the graph has no cycle). */
  upstreamFirst(): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (pid: string): void => {
      if (seen.has(pid)) return;
      seen.add(pid);
      for (const n of this.downstream(pid)) visit(n);
      order.push(pid);
    };
    for (const pid of this.#pipelines.keys()) visit(pid);
    return order.reverse();
  }
}
