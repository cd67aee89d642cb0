import type { GroupTag, GroupTagKey } from '../../model/groups.ts';
import { OTHER_TAG } from './group-schema.ts';

/** A tag value's events: how many, and the first and last time one was seen (ms). */
export interface TagCount {
  count: number;
  first: number;
  last: number;
}

/** `count` events seen from `first` to `last` added into `into` (a new count when there is none). */
export function addTagCount(into: TagCount | undefined, count: number, first: number, last: number): TagCount {
  if (!into) return { count, first, last };
  into.count += count;
  if (first < into.first) into.first = first;
  if (last > into.last) into.last = last;
  return into;
}

/** A group_tags row as a store reads it (PostgreSQL's bigint columns arrive as strings). */
export interface TagRow {
  key: GroupTagKey;
  value: string;
  count: number | string;
  first_seen: number | string;
  last_seen: number | string;
}

/** A group's tag rows (ordered by key, then count) as the issue page shows them: per key, its values, the rest under other. */
export function groupTags(rows: readonly TagRow[]): GroupTag[] {
  const tags = new Map<GroupTagKey, GroupTag>();
  for (const r of rows) {
    let tag = tags.get(r.key);
    if (!tag) tags.set(r.key, (tag = { key: r.key, total: 0, values: [], other: 0 }));
    const n = Number(r.count);
    tag.total += n;
    if (r.value === OTHER_TAG) tag.other += n;
    else
      tag.values.push({
        value: r.value,
        count: n,
        first_seen: new Date(Number(r.first_seen)).toISOString(),
        last_seen: new Date(Number(r.last_seen)).toISOString(),
      });
  }
  return [...tags.values()];
}
