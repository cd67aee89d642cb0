// `npm run build`: dist/ as the package ships it. tsc compiles the sources (ESM, declarations with
// maps, source maps); files the code opens at run time next to itself (the dashboard page, the
// configs) are copied to the same places under dist/, so every `new URL(…, import.meta.url)`
// resolves alike in the checkout and in the package.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');
// `--out <dir>`: a build elsewhere (the benchmarks' own, so a concurrent `npm pack` cannot pull dist/ from under them).
const { values } = parseArgs({ options: { out: { type: 'string', default: join(root, 'dist') } } });
const dist = resolve(values.out);
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', dist], {
  stdio: 'inherit',
});

// tsc rewrites `./x.ts` to `./x.js` in JavaScript but not in declarations: a consumer's compiler
// would then reject the `.ts` paths (TS5097) or look for sources the package does not ship.
for (const file of walk(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}

cpSync(join(root, 'exporters/dashboard/page'), join(dist, 'exporters/dashboard/page'), { recursive: true });
cpSync(join(root, 'collector-config'), join(dist, 'collector-config'), { recursive: true });
chmodSync(join(dist, 'bin/unitrack.js'), 0o755);

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
