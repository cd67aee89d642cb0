/**
 * The nearest known word to a misspelt one, by edit distance (insert, delete, replace, swap two
 * neighbours), for config errors: `Unrecognized key "rotaton" (did you mean "rotation"?)`.
 */
export function nearest(word: string, known: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  // Short words get one edit, longer ones up to a third of their length: "ttl" is not "tls".
  const allowed = Math.max(1, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of known) {
    if (candidate === word) continue;
    const d = distance(w, candidate.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)`, or '' when nothing known is near. */
export function didYouMean(word: string, known: Iterable<string>): string {
  const n = nearest(word, known);
  return n === undefined ? '' : ` (did you mean "${n}"?)`;
}

/** Optimal string alignment distance; stops early once every path is at least `cap`. */
function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      row.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin >= cap) return cap;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length];
}
