// What "apply the expected policy" will change, shown before the operator confirms PutUserPolicy: per
// statement the actions added and removed, and both documents pretty-printed side by side.

import { createHash } from "node:crypto";
import { normalizePolicy, type NormalizedStatement, type PolicyDocumentInput, type PolicyParseError } from "./normalize-policy";

export interface StatementDiff {
  /** Position in the expected document, or in the current one for removed statements. */
  index: number;
  sid: string | null;
  status: "same" | "changed" | "added" | "removed";
  addedActions: string[];
  removedActions: string[];
  effect?: { from: string; to: string };
  resources?: { from: string[]; to: string[] };
  conditionChanged: boolean;
}

export interface SideBySideLine {
  kind: "same" | "added" | "removed" | "changed";
  left: string | null;
  right: string | null;
}

export interface PolicyDiff {
  identical: boolean;
  statements: StatementDiff[];
  addedActions: string[];
  removedActions: string[];
  currentPretty: string;
  expectedPretty: string;
  lines: SideBySideLine[];
}

export type PolicyDiffResult =
  | { ok: true; diff: PolicyDiff }
  | { ok: false; which: "current" | "expected"; error: PolicyParseError };

// Compare what a statement grants, not how it is spelt: "ecr:*" vs an explicit list differs by the actions
// the list leaves out; "ECR:putimage" and "ecr:PutImage" are the same action.
function actionSet(st: NormalizedStatement | undefined): Set<string> {
  if (!st) return new Set();
  const prefix = st.actionMode === "NotAction" ? "NotAction " : "";
  const list = st.actionMode === "Action" ? st.matchedEcrActions : st.matchedEcrActions.map((a) => `${prefix}${a}`);
  return new Set([...list, ...st.otherActions.map((a) => `${prefix}${a}`), ...st.unknownEcrPatterns.map((a) => `${prefix}${a}`)]);
}

function sortedDiff(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}

function sameList(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function compareStatements(index: number, current: NormalizedStatement | undefined, expected: NormalizedStatement | undefined): StatementDiff {
  const cur = actionSet(current);
  const exp = actionSet(expected);
  const addedActions = sortedDiff(exp, cur);
  const removedActions = sortedDiff(cur, exp);
  const sid = expected?.sid ?? current?.sid ?? null;
  if (!current) return { index, sid, status: "added", addedActions, removedActions, conditionChanged: expected?.condition !== null };
  if (!expected) return { index, sid, status: "removed", addedActions, removedActions, conditionChanged: current.condition !== null };
  const d: StatementDiff = { index, sid, status: "same", addedActions, removedActions, conditionChanged: false };
  if (current.effect !== expected.effect) d.effect = { from: current.effect, to: expected.effect };
  if (current.resourceMode !== expected.resourceMode || !sameList(current.resources, expected.resources)) {
    d.resources = {
      from: current.resourceMode === "Resource" ? current.resources : current.resources.map((r) => `NotResource ${r}`),
      to: expected.resourceMode === "Resource" ? expected.resources : expected.resources.map((r) => `NotResource ${r}`),
    };
  }
  d.conditionChanged = JSON.stringify(current.condition) !== JSON.stringify(expected.condition);
  if (addedActions.length || removedActions.length || d.effect || d.resources || d.conditionChanged) d.status = "changed";
  return d;
}

// Pair statements by Sid where both sides have one, then the rest by position.
function pairStatements(current: NormalizedStatement[], expected: NormalizedStatement[]): [NormalizedStatement | undefined, NormalizedStatement | undefined][] {
  const pairs: [NormalizedStatement | undefined, NormalizedStatement | undefined][] = [];
  const usedCurrent = new Set<number>();
  const unmatchedExpected: NormalizedStatement[] = [];
  for (const e of expected) {
    const c = e.sid ? current.find((x) => x.sid === e.sid && !usedCurrent.has(x.index)) : undefined;
    if (c) {
      usedCurrent.add(c.index);
      pairs.push([c, e]);
    } else unmatchedExpected.push(e);
  }
  const restCurrent = current.filter((c) => !usedCurrent.has(c.index) && !(c.sid && expected.some((e) => e.sid === c.sid)));
  const n = Math.max(restCurrent.length, unmatchedExpected.length);
  for (let i = 0; i < n; i++) pairs.push([restCurrent[i], unmatchedExpected[i]]);
  return pairs;
}

/** Line diff by longest common subsequence; adjacent remove+add pairs become "changed" rows. */
export function diffLines(left: string[], right: string[]): SideBySideLine[] {
  const n = left.length;
  const m = right.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = left[i] === right[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: SideBySideLine[] = [];
  let i = 0;
  let j = 0;
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    const k = Math.max(removed.length, added.length);
    for (let x = 0; x < k; x++) {
      const l = removed[x] ?? null;
      const r = added[x] ?? null;
      out.push({ kind: l !== null && r !== null ? "changed" : l !== null ? "removed" : "added", left: l, right: r });
    }
    removed = [];
    added = [];
  };
  while (i < n || j < m) {
    if (i < n && j < m && left[i] === right[j]) {
      flush();
      out.push({ kind: "same", left: left[i], right: right[j] });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      added.push(right[j++]);
    } else {
      removed.push(left[i++]);
    }
  }
  flush();
  return out;
}

/**
 * Diff the user's current inline document (null when the policy does not exist yet) against the expected
 * one. Both may be URL-encoded strings, JSON strings or objects.
 */
export function diffPolicyDocuments(current: PolicyDocumentInput | null, expected: PolicyDocumentInput): PolicyDiffResult {
  const exp = normalizePolicy(expected);
  if (!exp.ok) return { ok: false, which: "expected", error: exp.error };
  let curStatements: NormalizedStatement[] = [];
  let currentPretty = "";
  if (current !== null) {
    const cur = normalizePolicy(current);
    if (!cur.ok) return { ok: false, which: "current", error: cur.error };
    curStatements = cur.policy.statements;
    currentPretty = JSON.stringify(cur.policy.document, null, 2);
  }
  const expectedPretty = JSON.stringify(exp.policy.document, null, 2);
  const statements = pairStatements(curStatements, exp.policy.statements).map(([c, e], k) =>
    compareStatements(e?.index ?? c?.index ?? k, c, e),
  );
  const union = (list: NormalizedStatement[]) => {
    const s = new Set<string>();
    for (const st of list) if (st.effect === "Allow") for (const a of actionSet(st)) s.add(a);
    return s;
  };
  const allCur = union(curStatements);
  const allExp = union(exp.policy.statements);
  return {
    ok: true,
    diff: {
      identical: current !== null && statements.every((s) => s.status === "same"),
      statements,
      addedActions: sortedDiff(allExp, allCur),
      removedActions: sortedDiff(allCur, allExp),
      currentPretty,
      expectedPretty,
      lines: diffLines(currentPretty === "" ? [] : currentPretty.split("\n"), expectedPretty.split("\n")),
    },
  };
}

/**
 * What the operator reviewed before "apply the expected policy": the current document (or none) and the
 * expected one, as 32 hex characters of SHA-256. Applying checks it, so a policy changed since the diff
 * was shown is never overwritten silently.
 */
export function reviewDigest(current: string | null, expected: Record<string, unknown>): string {
  return createHash("sha256").update(`${current ?? "(none)"}\n${JSON.stringify(expected)}`).digest("hex").slice(0, 32);
}
