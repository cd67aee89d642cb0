/**
 * Every benchmark row runs briefly (a few thousand iterations, in a child process as `npm run
 * bench` runs it) and must produce finite numbers: no timing is asserted. otelcol is not built
 * here, so its subject reports itself unavailable.
 */
import { describe, expect, it } from 'vitest';
import { runChild } from '../../bench/lib/spawn.ts';
import { isUnavailable } from '../../bench/lib/types.ts';
import { rows } from '../../bench/rows/index.ts';

describe('benchmarks (smoke)', () => {
  for (const row of rows) {
    it(`${row.id}: every subject produces numbers`, async () => {
      for (const subject of row.subjects) {
        const r = await runChild(row.id, subject.id, row.smokeIterations, { smoke: true, timeoutMs: 60_000 });
        if (subject.id === 'otelcol') {
          expect(isUnavailable(r)).toBe(true);
          continue;
        }
        expect(isUnavailable(r), `${row.id}/${subject.id}: ${JSON.stringify(r)}`).toBe(false);
        const values = r as Record<string, number>;
        for (const m of row.metrics) {
          expect(Number.isFinite(values[m.key]), `${row.id}/${subject.id}/${m.key} = ${values[m.key]}`).toBe(true);
        }
      }
    }, 120_000);
  }
});
