/**
 * Compose's variable interpolation (Compose Specification, "Interpolation"; compose-go's template package):
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+replacement}`,
 * `${VAR+replacement}`, nested in the default / error / replacement (`${A:-${B:-x}}`, `${A?$B}`), and `$$` for a literal
 * `$`. Names are `[A-Za-z_][A-Za-z0-9_]*`. Anything else after a `$` is an invalid template, as in Compose (so `$5` must
 * be written `$$5`). Unset variables without a default become "" (Compose only warns; `onUnset` hears about them).
 */
export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterpolationError";
  }
}

export type LookupVariable = (name: string) => string | undefined;

/** Nesting deeper than this is refused: repository content is hostile, and every level rescans the rest. */
const MAX_DEPTH = 32;

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/**
 * Substitutes variables in `template`.
 * @throws InterpolationError for a required variable that is missing ("required variable X is missing a value: msg")
 *   or an invalid template ("invalid interpolation format ...").
 */
export function interpolateTemplate(template: string, lookup: LookupVariable, onUnset: (name: string) => void = () => {}, depth = 0): string {
  if (depth > MAX_DEPTH) throw new InterpolationError(`interpolation nested more than ${MAX_DEPTH} levels deep`);
  let out = "";
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf("$", i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const next = template[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      let end = dollar + 2;
      while (end < template.length && NAME_PART.test(template[end])) end++;
      const name = template.slice(dollar + 1, end);
      const v = lookup(name);
      if (v === undefined) onUnset(name);
      out += v ?? "";
      i = end;
    } else if (next === "{") {
      const close = findClosingBrace(template, dollar + 2);
      if (close < 0) throw invalid(template);
      out += substituteBraced(template.slice(dollar + 2, close), template, lookup, onUnset, depth);
      i = close + 1;
    } else {
      throw invalid(template);
    }
  }
  return out;
}

/** Index of the `}` closing a `${` whose content starts at `from`, counting nested `${`. */
function findClosingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === "$" && s[i + 1] === "$") {
      i++;
      continue;
    }
    if (s[i] === "$" && s[i + 1] === "{") {
      depth++;
      i++;
      continue;
    }
    if (s[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

function substituteBraced(body: string, whole: string, lookup: LookupVariable, onUnset: (name: string) => void, depth: number): string {
  if (!NAME_START.test(body[0] ?? "")) throw invalid(whole);
  let n = 1;
  while (n < body.length && NAME_PART.test(body[n])) n++;
  const name = body.slice(0, n);
  const rest = body.slice(n);
  const value = lookup(name);
  const set = value !== undefined;
  const nonEmpty = set && value !== "";
  if (rest === "") {
    if (!set) onUnset(name);
    return value ?? "";
  }
  const op = rest.startsWith(":") ? rest.slice(0, 2) : rest.slice(0, 1);
  // The argument is itself a template: `${A:-${B}}`, `${A?$B is needed}`; it is only evaluated when used.
  const arg = () => interpolateTemplate(rest.slice(op.length), lookup, onUnset, depth + 1);
  switch (op) {
    case ":-":
      return nonEmpty ? value : arg();
    case "-":
      return set ? value : arg();
    case ":?":
      if (!nonEmpty) throw missing(name, arg());
      return value;
    case "?":
      if (!set) throw missing(name, arg());
      return value;
    case ":+":
      return nonEmpty ? arg() : "";
    case "+":
      return set ? arg() : "";
    default:
      throw invalid(whole);
  }
}

function missing(name: string, message: string): InterpolationError {
  return new InterpolationError(`required variable ${name} is missing a value${message ? `: ${message}` : ""}`);
}

function invalid(template: string): InterpolationError {
  return new InterpolationError(`invalid interpolation format "${template}" (write $$ for a literal $)`);
}
