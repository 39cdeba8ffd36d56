import YAML from "yaml";

export interface Triggers {
  push: { branches: string[] | null; branchesIgnore: string[] } | null;
  workflowDispatch: boolean;
  /** Names of the workflow_dispatch inputs the file declares. */
  dispatchInputs: string[];
}

/** The `on:` section of a workflow file, in the forms GitHub accepts (string, list, or map). */
export function parseTriggers(text: string): { name: string | null; triggers: Triggers } {
  const doc = (YAML.parse(text) ?? {}) as Record<string, unknown>;
  const on = doc.on ?? doc.true;
  const triggers: Triggers = { push: null, workflowDispatch: false, dispatchInputs: [] };
  const names = typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : on && typeof on === "object" ? Object.keys(on) : [];
  if (names.includes("workflow_dispatch")) {
    triggers.workflowDispatch = true;
    const cfg = on && typeof on === "object" && !Array.isArray(on) ? ((on as Record<string, unknown>).workflow_dispatch as { inputs?: Record<string, unknown> } | null) : null;
    triggers.dispatchInputs = Object.keys(cfg?.inputs ?? {});
  }
  if (names.includes("push")) {
    const cfg = on && typeof on === "object" && !Array.isArray(on) ? ((on as Record<string, unknown>).push as Record<string, unknown> | null) : null;
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : null);
    triggers.push = { branches: list(cfg?.branches), branchesIgnore: list(cfg?.["branches-ignore"]) ?? [] };
  }
  return { name: typeof doc.name === "string" ? doc.name : null, triggers };
}

/** GitHub's branch filter globs: `*` matches within a path segment, `**` across segments. */
export function branchMatches(pattern: string, branch: string): boolean {
  const re = pattern
    .split("**")
    .map((part) => part.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*"))
    .join(".*");
  return new RegExp(`^${re}$`).test(branch);
}

export function pushTriggers(t: Triggers, branch: string): boolean {
  if (!t.push) return false;
  if (t.push.branchesIgnore.some((p) => branchMatches(p, branch))) return false;
  return t.push.branches === null || t.push.branches.some((p) => branchMatches(p, branch));
}
