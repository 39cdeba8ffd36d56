// IAM's wildcard grammar: `*` is any run of characters (also none), `?` exactly one. Nothing else is special,
// so regex metacharacters in a policy ("ecr:Put.Image") must match literally.

const cache = new Map<string, RegExp>();

function compileWildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? "i" : "s"}\u0000${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let source = "^";
  for (const ch of pattern) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  source += "$";
  const re = new RegExp(source, caseInsensitive ? "iu" : "u");
  if (cache.size > 5000) cache.clear();
  cache.set(key, re);
  return re;
}

/** Does `value` match an IAM wildcard pattern? Actions compare case-insensitively, ARNs case-sensitively. */
export function matchWildcard(pattern: string, value: string, options: { caseInsensitive: boolean }): boolean {
  return compileWildcard(pattern, options.caseInsensitive).test(value);
}

/** True for "*", "**" and the like: a pattern that matches every string. */
export function isMatchAll(pattern: string): boolean {
  return pattern.length > 0 && /^\*+$/.test(pattern);
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}
