/**
 * The base images a Dockerfile builds on: every `FROM` that names an image, not `scratch` and not an earlier stage.
 * Variables in FROM lines come from the ARGs declared before the first FROM (their defaults, overridden by the
 * service's build args), as the Dockerfile reference says ("Understand how ARG and FROM interact",
 * https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact).
 *
 * `unresolved` lists FROM values this reading cannot pin down (a variable no ARG declares, a substitution form other
 * than `$V`, `${V}`, `${V:-word}` and `${V:+word}`): a caller deciding "nothing changed" must then build.
 */
export function readDockerfileBases(text: string, buildArgs: Record<string, string> = {}): { bases: string[]; unresolved: string[] } {
  const globals = new Map<string, string | undefined>();
  const stages = new Set<string>();
  const bases: string[] = [];
  const unresolved: string[] = [];
  let seenFrom = false;
  for (const instruction of logicalLines(text)) {
    const m = /^(\w+)\s+(.*)$/s.exec(instruction);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    const rest = m[2].trim();
    if (keyword === "ARG" && !seenFrom) {
      for (const decl of rest.split(/\s+/)) {
        const eq = decl.indexOf("=");
        const name = eq < 0 ? decl : decl.slice(0, eq);
        const value = eq < 0 ? undefined : unquote(decl.slice(eq + 1));
        globals.set(name, Object.hasOwn(buildArgs, name) ? buildArgs[name] : value);
      }
    } else if (keyword === "FROM") {
      seenFrom = true;
      const words = rest.split(/\s+/).filter((w) => !w.startsWith("--"));
      const raw = words[0] ?? "";
      const alias = words.length >= 3 && words[1].toUpperCase() === "AS" ? words[2].toLowerCase() : undefined;
      const ref = substitute(raw, globals);
      if (ref === null) unresolved.push(raw);
      else if (ref.toLowerCase() !== "scratch" && !stages.has(ref.toLowerCase()) && !bases.includes(ref)) bases.push(ref);
      if (alias) stages.add(alias);
    }
  }
  return { bases, unresolved };
}

/** Instructions with line continuations joined, comments and blank lines dropped (default escape character). */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!current && (trimmed.startsWith("#") || !trimmed)) continue;
    if (current && trimmed.startsWith("#")) continue;
    if (trimmed.endsWith("\\")) {
      current += trimmed.slice(0, -1) + " ";
      continue;
    }
    out.push((current + trimmed).trim());
    current = "";
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function unquote(v: string): string {
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}

/** `$V`, `${V}`, `${V:-word}`, `${V:+word}` from declared ARGs; null when anything else, or an undeclared name, appears. */
function substitute(value: string, vars: Map<string, string | undefined>): string | null {
  let failed = false;
  const out = value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced, op, word, bare) => {
    const name = braced ?? bare;
    if (!vars.has(name)) {
      failed = true;
      return "";
    }
    const v = vars.get(name) ?? "";
    if (op === "-") return v ? v : word;
    if (op === "+") return v ? word : "";
    return v;
  });
  if (failed || out.includes("$") || !out) return null;
  return out;
}
