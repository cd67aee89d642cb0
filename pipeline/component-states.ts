import type { ComponentStatus, Description, Health, Kind, Lifecycle } from './component.ts';
import type { ServiceConfig } from './config/service-config.ts';

/** One component as the service tracks it for start-up, `/healthz` and the start-up block. */
export interface Part {
  readonly kind: Kind;
  readonly id: string;
  component?: Lifecycle;
  status: ComponentStatus;
  error?: string;
}

/** What the started components listen on and write, each with the component's id. */
export interface ServiceDescription {
  readonly endpoints: { readonly component: string; readonly name: string; readonly url: string }[];
  readonly paths: { readonly component: string; readonly name: string; readonly path: string }[];
  readonly notes: { readonly component: string; readonly note: string }[];
}

export type Phase = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

/** Every component of a service with its state, in start order, and what is derived from them. */
export class ComponentStates {
  /** In start order: exporters, processors, connectors, then receivers. */
  readonly parts: Part[] = [];
  phase: Phase = 'starting';
  readonly #startTime = Date.now();

  /** The part for a component, created on first sight (a processor id used by several pipelines is one part). */
  part(kind: Kind, id: string): Part {
    let part = this.parts.find((p) => p.kind === kind && p.id === id);
    if (!part) this.parts.push((part = { kind, id, status: 'starting' }));
    return part;
  }

  /** Marks a part failed, keeping its first error. */
  fail(part: Part, error: unknown): void {
    part.status = 'failed';
    part.error ??= error instanceof Error ? error.message : String(error);
  }

  get failures(): Part[] {
    return this.parts.filter((p) => p.status === 'failed');
  }

  /** Sets every part not failed to `status`. */
  settle(status: ComponentStatus, only?: ComponentStatus): void {
    for (const part of this.parts) if (part.status !== 'failed' && (!only || part.status === only)) part.status = status;
  }

  /** Where the started components listen and what they write (the collector's start-up block). */
  describe(): ServiceDescription {
    const out: ServiceDescription = { endpoints: [], paths: [], notes: [] };
    // Receivers first: where data goes in is what an operator looks for first.
    const parts = [...this.parts.filter((p) => p.kind === 'receiver'), ...this.parts.filter((p) => p.kind !== 'receiver')];
    for (const part of parts) {
      if (part.status !== 'ok') continue;
      let d: Description | undefined;
      try {
        d = part.component?.describe?.();
      } catch {
        continue;
      }
      for (const e of d?.endpoints ?? []) out.endpoints.push({ component: part.id, ...e });
      for (const p of d?.paths ?? []) out.paths.push({ component: part.id, ...p });
      for (const note of d?.notes ?? []) out.notes.push({ component: part.id, note });
    }
    return out;
  }

  /** `/healthz`: ready only once everything started and until draining begins; each pipeline's state. */
  health(config: ServiceConfig): Health {
    const failed = this.parts.some((p) => p.status === 'failed');
    const status = this.phase === 'running' ? (failed ? 'degraded' : 'ready') : this.phase;
    const pipelines: Record<string, Health['pipelines'][string]> = {};
    for (const p of config.pipelines.values()) {
      const components: Record<string, { status: ComponentStatus; error?: string }> = {};
      const add = (kind: Kind, id: string) => {
        const part = this.parts.find((x) => x.kind === kind && x.id === id);
        if (part) components[`${kind}:${id}`] = part.error ? { status: part.status, error: part.error } : { status: part.status };
      };
      for (const r of p.receivers) add(config.connectors.has(r) ? 'connector' : 'receiver', r);
      for (const id of p.processors) add('processor', id);
      for (const e of p.exporters) add(config.connectors.has(e) ? 'connector' : 'exporter', e);
      const states = Object.values(components).map((c) => c.status);
      const order: ComponentStatus[] = ['failed', 'starting', 'stopping', 'stopped'];
      pipelines[p.id] = { status: order.find((s) => states.includes(s)) ?? 'ok', components };
    }
    return {
      status,
      ready: this.phase === 'running',
      start_time: new Date(this.#startTime).toISOString(),
      uptime_seconds: Math.round((Date.now() - this.#startTime) / 100) / 10,
      pipelines,
    };
  }
}
