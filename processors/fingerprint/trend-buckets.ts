import type { TrendPoint } from '../../model/groups.ts';
import { MINUTE } from './group-schema.ts';

/** A minute's counts as a store reads them (PostgreSQL's bigint columns arrive as strings). */
export interface MinuteCounts {
  minute: number | string;
  events: number | string;
  errors: number | string;
}

/** Per-minute counts from `fromMinute` to `nowMinute` in at most 60 buckets of whole minutes, oldest first: every store's charts. */
export function bucketed(rows: readonly MinuteCounts[], fromMinute: number, nowMinute: number): TrendPoint[] {
  const minutes = nowMinute - fromMinute + 1;
  const bucket = Math.max(1, Math.ceil(minutes / 60));
  const buckets = Math.ceil(minutes / bucket);
  const trend = Array.from({ length: buckets }, (_, i) => ({
    time: new Date((fromMinute + i * bucket) * MINUTE).toISOString(),
    events: 0,
    errors: 0,
  }));
  for (const s of rows) {
    const i = Math.floor((Number(s.minute) - fromMinute) / bucket);
    if (i >= 0 && i < buckets) {
      trend[i].events += Number(s.events);
      trend[i].errors += Number(s.errors);
    }
  }
  return trend;
}
