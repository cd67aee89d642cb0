// The tree shows the architecture only while imports point down: every relative import of the
// shipped code is checked against the layers docs/ARCHITECTURE.md draws.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Lower layers never import higher ones; components (one rank) never import one another. */
const RANK: Record<string, number> = {
  model: 0,
  pipeline: 1,
  receivers: 2,
  processors: 2,
  connectors: 2,
  exporters: 2,
  cli: 3,
  sdk: 4,
  bin: 5,
};
/** The one import across from the SDK into cli/: the list of components both entry points ship. */
const ALLOWED = new Set(['sdk -> cli/components.ts']);

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'page') yield* sources(path);
    } else if (entry.name.endsWith('.ts')) yield path;
  }
}

function violations(): string[] {
  const out: string[] = [];
  for (const layer of Object.keys(RANK)) {
    for (const file of sources(layer)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g)) {
        const target = normalize(join(dirname(file), m[1]));
        const [from, to] = [file.split('/'), relative('.', target).split('/')];
        const [rf, rt] = [RANK[from[0]], RANK[to[0]]];
        if (rt === undefined) continue;
        const component = (p: string[]) => p.slice(0, 2).join('/');
        const up = rt > rf;
        const across = rf === 2 && rt === 2 && component(from) !== component(to);
        if ((up || across) && !ALLOWED.has(`${from[0]} -> ${to.slice(0, 2).join('/')}`)) out.push(`${file} -> ${target}`);
      }
    }
  }
  return out;
}

describe('layering', () => {
  it('every import points toward model/: no component imports another, the engine imports none', () => {
    expect(violations()).toEqual([]);
  });

  it('the engine knows no concrete component by name', () => {
    const engine = [...sources('pipeline'), ...sources('model')].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    expect(engine).not.toMatch(/\b(BatchProcessor|GroupStore|FingerprintProcessor|DashboardExporter|OtlpReceiver|RoutingConnector)\b/);
  });
});
