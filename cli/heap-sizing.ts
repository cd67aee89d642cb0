import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what a full GC left, for the collector's process:
 * 1.5×. Left alone, V8 13 (Node 24) grows it up to ~4× under a collector's steady allocation
 * (~25 MB live, ~100 MB held at bench row 4's load); 1.5× held ~70 MB less at the same ingest, and
 * 1.25× cost a quarter of the ingest in extra full GCs (bench/README.md, "Collector memory").
 * The young generation is capped by the command's own `--max-semi-space-size` (bin/unitrack.ts):
 * that limit is read once at start, while this factor is read at every full GC, so it can be set
 * here. Only the collector sets it: an embedded library never changes its host's V8.
 */
export const HEAP_GROWING_PERCENT = 50;

/** Applies HEAP_GROWING_PERCENT on the V8 it was measured on (13.x); another V8 may not know the flag. */
export function sizeCollectorHeap(): void {
  if (process.versions.v8.startsWith('13.')) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
