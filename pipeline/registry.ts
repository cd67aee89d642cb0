import type { AnyFactory, Kind } from './component.ts';

/** Component factories by kind and type name (aliases included). */
export class Registry {
  readonly #byKind = new Map<Kind, Map<string, AnyFactory>>();

  register(...factories: AnyFactory[]): this {
    for (const f of factories) {
      let map = this.#byKind.get(f.kind);
      if (!map) this.#byKind.set(f.kind, (map = new Map()));
      for (const name of [f.type, ...(f.aliases ?? [])]) {
        if (map.has(name)) throw new Error(`${f.kind} type "${name}" is registered twice`);
        map.set(name, f);
      }
    }
    return this;
  }

  find(kind: Kind, type: string): AnyFactory | undefined {
    return this.#byKind.get(kind)?.get(type);
  }

  /** Canonical type names of one kind, for error messages. */
  types(kind: Kind): string[] {
    return [...new Set([...(this.#byKind.get(kind)?.values() ?? [])].map((f) => f.type))].sort();
  }
}
