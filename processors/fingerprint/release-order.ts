/**
 * The order of releases (`service.version`), for regressions: an event from a release older than
 * the one a group was resolved in does not reopen it. Dotted numeric versions compare as semver;
 * anything else (build numbers, git SHAs, dates) by when each release was first seen, never as
 * strings: mis-ordering them is what gives Sentry its false regressions (getsentry/sentry#88976).
 * The group store keeps the order in its file (the releases table), so it survives a restart.
 */

/** `1.2`, `v1.2.3`, `1.2.3.4`, `1.2.3-rc.1+build.5`: at least major.minor. */
const SEMVER = /^v?(\d+(?:\.\d+)+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]*)?$/;

/** Releases remembered; past this the first seen are forgotten (and compare as unknown). */
export const MAX_RELEASES = 10_000;

/** A release and its place in the order first seen. */
export interface ReleaseSeen {
  version: string;
  seq: number;
}

/** Semver precedence of two dotted numeric versions (missing parts are 0; build metadata ignored); undefined unless both are. */
export function compareVersions(a: string, b: string): number | undefined {
  const ma = SEMVER.exec(a);
  const mb = SEMVER.exec(b);
  if (!ma || !mb) return undefined;
  const pa = ma[1].split('.').map(Number);
  const pb = mb[1].split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return comparePrerelease(ma[2], mb[2]);
}

/** Semver §11: a pre-release is older than its release; identifiers compare numerically, then as ASCII, a shorter list first. */
function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const ia = a.split('.');
  const ib = b.split('.');
  for (let i = 0; i < Math.min(ia.length, ib.length); i++) {
    const [x, y] = [ia[i], ib[i]];
    if (x === y) continue;
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny) return Math.sign(Number(x) - Number(y));
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(ia.length - ib.length);
}

/** Releases in the order they were first seen. */
export class ReleaseOrder {
  readonly #seen = new Map<string, number>();
  #next = 0;
  readonly #onNew: ((version: string, seq: number) => void) | undefined;

  /** `known`: releases seen before, oldest first; `onNew` is told of each release at its first sight (to keep it). */
  constructor(known: Iterable<ReleaseSeen> = [], onNew?: (version: string, seq: number) => void) {
    for (const { version, seq } of known) {
      this.#seen.set(version, seq);
      if (seq >= this.#next) this.#next = seq + 1;
    }
    this.#onNew = onNew;
  }

  /** Records a release at its first sight. */
  see(version: string): void {
    if (this.#seen.has(version)) return;
    const seq = this.#next++;
    this.#seen.set(version, seq);
    if (this.#seen.size > MAX_RELEASES) this.#seen.delete(this.#seen.keys().next().value as string);
    this.#onNew?.(version, seq);
  }

  /** Newer (1), the same (0) or older (-1): as semver when both are, else by first sight; undefined when a release is unknown. */
  compare(a: string, b: string): number | undefined {
    if (a === b) return 0;
    const semver = compareVersions(a, b);
    if (semver !== undefined) return semver;
    const sa = this.#seen.get(a);
    const sb = this.#seen.get(b);
    return sa === undefined || sb === undefined ? undefined : Math.sign(sa - sb);
  }
}
