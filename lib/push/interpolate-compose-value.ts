/**
 * Compose-file variable interpolation (compose spec, "Interpolation"): $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}, and $$ for a literal '$'.
 * Unset variables without a default become "" as Compose does (it only warns). Nested expressions are not supported.
 */
export class InterpolationError extends Error {}

const PATTERN = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(\{[^}]*\}?))/g;

export function interpolateComposeValue(value: string, env: Record<string, string | undefined>): string {
  return value.replace(PATTERN, (_m, dollar, name, op, arg, bare, bad) => {
    if (dollar) return "$";
    if (bad !== undefined) throw new InterpolationError(`invalid interpolation format "$${bad}"`);
    if (bare) return env[bare] ?? "";
    const v = env[name];
    const set = v !== undefined;
    const nonEmpty = set && v !== "";
    switch (op) {
      case undefined:
        return v ?? "";
      case ":-":
        return nonEmpty ? v : arg;
      case "-":
        return set ? v : arg;
      case ":?":
        if (!nonEmpty) throw new InterpolationError(`required variable ${name} is missing a value${arg ? `: ${arg}` : ""}`);
        return v;
      case "?":
        if (!set) throw new InterpolationError(`required variable ${name} is missing a value${arg ? `: ${arg}` : ""}`);
        return v;
      case ":+":
        return nonEmpty ? arg : "";
      case "+":
        return set ? arg : "";
      default:
        throw new InterpolationError(`invalid interpolation operator ${op}`);
    }
  });
}
