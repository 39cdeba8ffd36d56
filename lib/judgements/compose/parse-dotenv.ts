import { interpolateTemplate, InterpolationError, type LookupVariable } from "./interpolate-template";

export class DotenvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = "DotenvError";
  }
}

/**
 * A key as compose-go's dotenv parser (`locateKeyName`) takes it: letters and digits of any script, `_`, `.`, `-`,
 * `[` and `]`, in any order (so `1A` and `a.b-c` are keys).
 */
const KEY = /^[\p{L}\p{N}_.\-[\]]+$/u;

/**
 * Parses an environment file as Docker Compose does ("Syntax for environment files in Docker Compose", docs.docker.com;
 * compose-go `dotenv/parser.go`): `#` comment lines and blank lines are skipped; `export ` prefixes are allowed;
 * `VAR=VAL`, `VAR="VAL"`, `VAR='VAL'`, and the YAML-like `VAR: VAL` compose-go also accepts; an unquoted value ends at
 * ` #` (a `#` with a space before it); a quoted value ends at its closing quote, may span lines, and may be followed
 * by a comment; `\'` / `\"` escape quotes; double-quoted values understand Go's escapes (`\n`, `\t`, `\\`, ...) and
 * `\$` for a literal `$`; unquoted and double-quoted values are interpolated (single-quoted ones are literal), from
 * `lookup` first and then the file's own earlier values (compose-go's order); a bare `VAR` takes its value from
 * `lookup` or stays unset.
 * @returns the file's variables, in file order.
 * @throws DotenvError (1-based line) for a malformed line, an unterminated quote or a failed interpolation.
 */
export function parseDotenv(text: string, lookup: LookupVariable = () => undefined): Record<string, string> {
  const values: Record<string, string> = {};
  const vars: LookupVariable = (name) => lookup(name) ?? (Object.hasOwn(values, name) ? values[name] : undefined);
  const src = text.replace(/\r\n?/g, "\n");
  let pos = 0;
  let line = 1;
  const advanceTo = (end: number) => {
    for (let i = pos; i < end; i++) if (src[i] === "\n") line++;
    pos = end;
  };
  while (pos < src.length) {
    // Skip blank lines and leading spaces.
    const m = /^[ \t\n]*/.exec(src.slice(pos));
    advanceTo(pos + (m?.[0].length ?? 0));
    if (pos >= src.length) break;
    const eol = src.indexOf("\n", pos) < 0 ? src.length : src.indexOf("\n", pos);
    if (src[pos] === "#") {
      advanceTo(eol);
      continue;
    }
    const startLine = line;
    let rest = src.slice(pos, eol);
    if (/^export[ \t]+/.test(rest)) rest = rest.replace(/^export[ \t]+/, "");
    // compose-go: the key runs to the first "=" or ":" (or the end of the line: a bare name); spaces around it are
    // trimmed, a space inside it is an error, and so is any other character that cannot be part of a key.
    const eq = rest.search(/[=:]/);
    if (eq < 0) {
      const key = rest.replace(/ #.*$/, "").trim();
      if (!KEY.test(key)) throw new DotenvError(startLine, `"${rest.trim()}" is not VAR=value`);
      const inherited = lookup(key);
      if (inherited !== undefined) values[key] = inherited;
      advanceTo(eol);
      continue;
    }
    const key = rest.slice(0, eq).trim();
    if (!KEY.test(key)) throw new DotenvError(startLine, `"${key}" is not a valid variable name`);
    let v = pos + (eol - pos - rest.length) + eq + 1;
    while (src[v] === " " || src[v] === "\t") v++;
    const quote = src[v];
    if (quote === "'" || quote === '"') {
      let end = v + 1;
      while (end < src.length && !(src[end] === quote && src[end - 1] !== "\\")) end++;
      if (end >= src.length) throw new DotenvError(startLine, `unterminated quoted value for ${key}`);
      const raw = src.slice(v + 1, end);
      const after = src.indexOf("\n", end) < 0 ? src.length : src.indexOf("\n", end);
      const trailing = src.slice(end + 1, after);
      if (trailing.trim() !== "" && !/^[ \t]+#/.test(trailing) && !trailing.startsWith("#")) {
        throw new DotenvError(line, `unexpected text after the closing quote of ${key}: "${trailing.trim()}"`);
      }
      values[key] = quote === "'" ? raw.replace(/\\'/g, "'") : expand(unescapeDouble(raw), vars, startLine);
      advanceTo(after);
      continue;
    }
    let raw = src.slice(v, eol);
    // compose-go cuts an unquoted value at " #" only: "a#b" and "a\t#b" keep their "#".
    const comment = raw.indexOf(" #");
    if (comment >= 0) raw = raw.slice(0, comment);
    values[key] = expand(raw.replace(/[ \t]+$/, ""), vars, startLine);
    advanceTo(eol);
  }
  return values;
}

/**
 * Double-quoted escapes, as compose-go's `expandEscapes`: Go's `\a \b \f \n \r \t \v \\ \"`, octal `\0NNN`, and `\$`,
 * which stays a literal `$` through interpolation (it becomes `$$`). Any other backslash is kept as written.
 */
function unescapeDouble(s: string): string {
  const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', $: "$$" };
  return s.replace(/\\(?:0([0-7]{1,3})|([abfnrtv$"\\]))/g, (m, octal: string | undefined, c: string | undefined) => {
    if (octal !== undefined) {
      const code = parseInt(octal, 8);
      return code <= 0xff ? String.fromCharCode(code) : m;
    }
    return simple[c as string] ?? m;
  });
}

function expand(value: string, vars: LookupVariable, line: number): string {
  try {
    return interpolateTemplate(value, vars);
  } catch (err) {
    if (err instanceof InterpolationError) throw new DotenvError(line, err.message);
    throw err;
  }
}
