/**
 * npm run bench [-- --rows caller,throughput] [--reps 3] [--long] [--quick]
 *
 * Runs every row, each subject in a fresh child process per repetition (subjects interleaved, so
 * a noisy minute on the machine hits them all), and prints one table: medians, spreads (min–max
 * over repetitions) and ratios against the peers measured in the same run. Writes the table as
 * JSON and Markdown to bench/results/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveOtelcol } from './lib/otelcol.ts';
import { runChild } from './lib/spawn.ts';
import { median } from './lib/stats.ts';
import { isUnavailable, type Row, type SubjectResult } from './lib/types.ts';
import { rows as allRows } from './rows/index.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    reps: { type: 'string' },
    long: { type: 'boolean', default: false },
    /** A tenth of the iterations and 2 repetitions: checks the whole suite quickly. */
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: new URL('./results/', import.meta.url).pathname },
  },
});

const selected = values.rows ? allRows.filter((r) => values.rows?.split(',').includes(r.id)) : allRows;

interface SubjectSummary {
  id: string;
  label: string;
  reps: SubjectResult[];
  unavailable?: string;
  median: Record<string, number>;
  min: Record<string, number>;
  max: Record<string, number>;
  ratios: { vs: string; ratio: number }[];
}

interface RowSummary {
  id: string;
  title: string;
  note?: string;
  primary: string;
  metrics: Row['metrics'];
  subjects: SubjectSummary[];
  goals: { text: string; met: boolean | undefined }[];
  measuredAt: string;
  reps: number;
}

const started = Date.now();
// otelcol is built (or found in its cache) once, before any row, and handed to the children.
if (selected.some((r) => r.subjects.some((s) => s.id === 'otelcol'))) {
  process.stderr.write('otelcol: bash scripts/build-otelcol.sh … ');
  const o = resolveOtelcol();
  if ('bin' in o) process.env.UNITRACK_BENCH_OTELCOL = o.bin;
  else process.env.UNITRACK_BENCH_OTELCOL_UNAVAILABLE = o.unavailable;
  process.stderr.write(`${'bin' in o ? o.bin : `unavailable: ${o.unavailable}`}\n`);
}
const summaries: RowSummary[] = [];
for (const row of selected) {
  const reps = Number(values.reps ?? (values.quick ? 2 : (row.reps ?? 5)));
  const iterations = values.quick ? Math.max(row.smokeIterations, Math.round(row.iterations / 10)) : row.iterations;
  const results = new Map<string, SubjectResult[]>(row.subjects.map((s) => [s.id, []]));
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition.
    const order = row.subjects.map((_, i) => row.subjects[(i + rep) % row.subjects.length]);
    for (const s of order) {
      const prev = results.get(s.id) ?? [];
      if (prev.length > 0 && isUnavailable(prev[0])) continue; // unavailable once, unavailable always
      process.stderr.write(`${row.id} rep ${rep + 1}/${reps} ${s.id} … `);
      const t0 = Date.now();
      const r = await runChild(row.id, s.id, iterations, { long: values.long, timeoutMs: values.long ? 1_800_000 : 600_000 });
      process.stderr.write(`${isUnavailable(r) ? `unavailable: ${r.unavailable}` : 'ok'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      prev.push(r);
    }
  }
  const subjects: SubjectSummary[] = row.subjects.map((s) => {
    const reps = results.get(s.id) ?? [];
    const ok = reps.filter((r): r is Record<string, number> => !isUnavailable(r));
    const summary: SubjectSummary = { id: s.id, label: s.label, reps, median: {}, min: {}, max: {}, ratios: [] };
    if (ok.length === 0) summary.unavailable = reps.find(isUnavailable)?.unavailable ?? 'not run';
    const keys = new Set(ok.flatMap((r) => Object.keys(r)));
    for (const k of keys) {
      const xs = ok.map((r) => r[k]).filter((x) => typeof x === 'number' && Number.isFinite(x));
      summary.median[k] = median(xs);
      summary.min[k] = Math.min(...xs);
      summary.max[k] = Math.max(...xs);
    }
    return summary;
  });
  const primary = row.metrics[0].key;
  for (const s of row.subjects) {
    const me = subjects.find((x) => x.id === s.id);
    for (const v of s.vs ?? []) {
      const peer = subjects.find((x) => x.id === v);
      if (!me || !peer || me.unavailable || peer.unavailable) continue;
      me.ratios.push({ vs: v, ratio: me.median[primary] / peer.median[primary] });
    }
  }
  const medians = Object.fromEntries(subjects.map((s) => [s.id, s.unavailable ? undefined : s.median]));
  summaries.push({
    measuredAt: new Date().toISOString(),
    reps,
    id: row.id,
    title: row.title,
    note: row.note,
    primary,
    metrics: row.metrics,
    subjects,
    goals: (row.goals ?? []).map((g) => {
      let met: boolean | undefined;
      try {
        const v = g.check(medians);
        met = v === undefined ? undefined : !!v;
      } catch {
        met = undefined;
      }
      return { text: g.text, met };
    }),
  });
}

// With --rows, the other rows of the last run of the same kind are kept: the file stays one table.
{
  const previous = join(values.out, `${values.quick ? 'quick' : 'latest'}.json`);
  if (values.rows && existsSync(previous)) {
    try {
      const old = JSON.parse(readFileSync(previous, 'utf8')) as { rows: RowSummary[] };
      const merged = allRows
        .map((r) => summaries.find((s) => s.id === r.id) ?? old.rows.find((s) => s.id === r.id))
        .filter((s): s is RowSummary => !!s);
      summaries.splice(0, summaries.length, ...merged);
    } catch {}
  }
}

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

const header = ['row', 'subject', 'metric', 'median', 'spread (min–max)', 'ratio (primary metric)', 'other medians'];
const lines: string[][] = [];
for (const r of summaries) {
  for (const s of r.subjects) {
    const p = r.metrics[0];
    const others = r.metrics
      .slice(1)
      .filter((m) => s.median[m.key] !== undefined)
      .map((m) => `${m.label} ${fmt(s.median[m.key])}`)
      .join('; ');
    lines.push([
      r.title,
      s.label,
      `${p.label} (${p.better === 'lower' ? 'lower' : 'higher'} is better)`,
      s.unavailable ? `unavailable: ${s.unavailable}` : fmt(s.median[p.key]),
      s.unavailable ? '' : `${fmt(s.min[p.key])}–${fmt(s.max[p.key])} (n=${s.reps.filter((x) => !isUnavailable(x)).length})`,
      s.ratios.map((x) => `${x.ratio.toFixed(2)}× ${x.vs}`).join(', '),
      others,
    ]);
  }
}

const esc = (v: string) => v.replace(/\|/g, '\\|');
const md: string[] = [];
md.push('# unitrack benchmarks');
md.push('');
md.push(
  `Measured ${new Date().toISOString()} on Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, load average at start ${loadavg()[0].toFixed(2)}; ${values.quick ? 'quick run' : 'full run'}${values.long ? ' (long)' : ''}. How each row is measured: bench/README.md.`,
);
md.push('');
md.push(`| ${header.join(' | ')} |`);
md.push(`| ${header.map(() => '---').join(' | ')} |`);
for (const l of lines) md.push(`| ${l.map(esc).join(' | ')} |`);
md.push('');
md.push('## Goals');
md.push('');
for (const r of summaries)
  for (const g of r.goals) md.push(`- ${g.met === undefined ? '❔ not measured' : g.met ? '✅ met' : '❌ missed'}: ${r.title}: ${g.text}`);
md.push('');
md.push('## Notes');
md.push('');
for (const r of summaries) md.push(`- ${r.title} (${r.reps} repetitions, finished ${r.measuredAt}): ${r.note ?? ''}`);
md.push('');
const markdown = md.join('\n');

console.log(markdown);
mkdirSync(values.out, { recursive: true });
const name = values.quick ? 'quick' : 'latest';
writeFileSync(`${values.out}/${name}.md`, markdown);
writeFileSync(
  `${values.out}/${name}.json`,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, quick: values.quick, long: values.long, seconds: (Date.now() - started) / 1000, rows: summaries }, null, 2)}\n`,
);
console.error(`written ${join(values.out, name)}.md and .json in ${((Date.now() - started) / 1000).toFixed(0)} s`);
