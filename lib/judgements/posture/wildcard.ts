// IAM's wildcard grammar: `*` is any run of characters (also none), `?` exactly one. Nothing else is special,
// so regex metacharacters in a policy ("ecr:Put.Image") must match literally.

/**
 * Does `value` match an IAM wildcard pattern? Actions compare case-insensitively, ARNs case-sensitively.
 * Greedy matching with one backtrack point (the last `*`): at most pattern x value steps, never exponential. A regex
 * (`[\s\S]*` per star) backtracked catastrophically on patterns with many stars, and both sides can be hostile:
 * a workflow's branch filter becomes a planned subject pattern, a refused token's sub (CloudTrail) is whoever pushed.
 * `?` is one code point, as the `u` regex had it.
 */
export function matchWildcard(pattern: string, value: string, options: { caseInsensitive: boolean }): boolean {
  const fold = (x: string) => (options.caseInsensitive ? x.toLowerCase() : x);
  if (!pattern.includes("*") && !pattern.includes("?")) return fold(pattern) === fold(value);
  const p = Array.from(fold(pattern));
  const v = Array.from(fold(value));
  let i = 0; // in v
  let j = 0; // in p
  let star = -1; // index in p of the last `*` seen
  let resume = 0; // where in v that star's run ends now
  while (i < v.length) {
    if (j < p.length && (p[j] === "?" || (p[j] !== "*" && p[j] === v[i]))) {
      i++;
      j++;
    } else if (j < p.length && p[j] === "*") {
      star = j++;
      resume = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++resume;
    } else return false;
  }
  while (j < p.length && p[j] === "*") j++;
  return j === p.length;
}

/** True for "*", "**" and the like: a pattern that matches every string. */
export function isMatchAll(pattern: string): boolean {
  return pattern.length > 0 && /^\*+$/.test(pattern);
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}
