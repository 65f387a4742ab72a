// "Did you mean ...?": the known name a mistyped one is closest to, offered only when it is a typo away.

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`, or `limit + 1` once over `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Names are at most 100 characters (names.ts), so the full table is small.
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let best = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
      best = Math.min(best, d);
    }
    if (best > limit) return limit + 1;
  }
  return rows[a.length]![b.length]!;
}

/**
 * The name in `known` closest to `name`: at most 2 edits away, and fewer than a third of its length (so
 * "ab" does not suggest "xy"); undefined when none is that close, or when `name` is itself known.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    if (candidate === name) return undefined;
    const d = editDistance(name, candidate, limit);
    if (d > limit) continue;
    if (d < bestDistance || (d === bestDistance && candidate < best!)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean x?` to end a message with, or '' when no known name is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const near = closestName(name, known);
  return near === undefined ? '' : `; did you mean ${near}?`;
}
