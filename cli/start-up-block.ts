import { resolve } from 'node:path';
import type { ServiceDescription } from '../pipeline/service.ts';

/** The line that ends the block: what scripts and operators wait for. */
export const READY_LINE = 'Everything is ready: unitrack collector running (SIGTERM or Ctrl-C drains and stops it)';

/**
 * The collector's start-up block, as Vite's "Local:" lines and otelcol's "Everything is ready":
 * the version, the config files, every listening URL and every file or directory it writes (as
 * absolute paths, since they depend on the working directory), then the ready line.
 */
export function renderStartUpBlock(version: string, files: readonly string[], d: ServiceDescription): string {
  const rows: [string, string][] = [];
  const label = (name: string, component: string) => (component.includes('/') ? `${name} (${component})` : name);
  files.forEach((f, i) => {
    rows.push([i === 0 ? 'config' : '', resolve(f)]);
  });
  for (const e of d.endpoints) rows.push([label(e.name, e.component), e.url]);
  for (const p of d.paths) rows.push([label(p.name, p.component), resolve(p.path) + (p.path.endsWith('/') ? '/' : '')]);
  for (const n of d.notes) rows.push([n.component, n.note]);
  const width = Math.max(...rows.map(([l]) => l.length));
  const lines = rows.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`);
  return `unitrack ${version} collector\n${lines.join('\n')}\n${READY_LINE}\n`;
}
