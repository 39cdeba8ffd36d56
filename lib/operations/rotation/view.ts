// What the rotation pages show, as plain data: step titles, timings, the loud warnings. Nothing here
// can hold a secret (the store never has one), but the view still copies only named fields.

import { STEP_TITLES, type RotationRecord, type StepNo, type StepRecord } from "./types";

export interface StepView {
  id: number;
  step: StepNo;
  title: string;
  outcome: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  message: string | null;
  runUrl: string | null;
  recovered: boolean;
}

/** One holder of the key in the plan (step 1's list), and whether the current attempt's step 4 wrote it. */
export interface HolderView {
  scope: "organization" | "environment" | "repository";
  /** The repository ("owner/name") of a repository or environment holder; the organization's login for one. */
  where: string;
  /** The scope in words: "repository secrets", "production environment secrets", "organization secrets (selected)". */
  label: string;
  /** Organization holders: the configured repositories getting the key from it. */
  repositories: string[];
  written: boolean;
}

/** The canary of one repository using the key (step 5): the default repository's first. */
export interface CanaryView {
  repository: string;
  conclusion: string;
  runUrl: string | null;
  /** Deckhand's own page of the run (its jobs and log), which works in sandbox mode too; null when unknown. */
  runPath: string | null;
  note: string | null;
}

export interface RotationView {
  id: number;
  state: string;
  trigger: string;
  requestedBy: string;
  /** The push user whose key is rotated. */
  userName: string;
  /** The repository (owner/name) it acts from; null for rotations recorded before: the default one. */
  repository: string | null;
  oldKeyId: string | null;
  newKeyId: string | null;
  message: string | null;
  warning: string | null;
  createdAt: string;
  finishedAt: string | null;
  totalMs: number | null;
  deleteAfter: string | null;
  oldKeyDeletedAt: string | null;
  restarts: number;
  /** The steps 1..6 as a checklist: the latest record of each, or pending. */
  checklist: { step: StepNo; title: string; outcome: string; durationMs: number | null }[];
  steps: StepView[];
  /** Every holder of the key the rotation writes, per repository and scope (empty until the preflight ran). */
  holders: HolderView[];
  /** The canary per repository using the key (empty until step 5 ran). */
  canaries: CanaryView[];
  /** What GitHub holds, in words, for the result panel. */
  githubHolds: string;
  canResume: boolean;
  canDeleteOldKey: boolean;
}

const dur = (s: StepRecord, now: number) => (s.endedAt ? Date.parse(s.endedAt) : now) - Date.parse(s.startedAt);

export function toRotationView(r: RotationRecord, steps: StepRecord[], now = Date.now()): RotationView {
  const latestOf = (n: StepNo) => [...steps].reverse().find((s) => s.step === n);
  const wroteSecrets = steps.some((s) => s.step === 4 && s.outcome === "succeeded");
  const githubHolds = wroteSecrets
    ? `the new key ${r.newKeyId}`
    : r.warning && /mismatched pair/.test(r.warning)
      ? "a MISMATCHED pair (pushes fail until the rotation is resumed)"
      : r.oldKeyId
        ? `the old key ${r.oldKeyId} (unchanged)`
        : "what it held before (unchanged)";
  return {
    id: r.id,
    state: r.state,
    trigger: r.trigger,
    requestedBy: r.requestedBy,
    userName: r.userName,
    repository: r.repository,
    oldKeyId: r.oldKeyId,
    newKeyId: r.newKeyId,
    message: currentMessage(r),
    warning: currentWarning(r, latestOf(7)),
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    totalMs: r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.createdAt) : null,
    deleteAfter: r.deleteAfter,
    oldKeyDeletedAt: r.oldKeyDeletedAt,
    restarts: r.restarts,
    checklist: ([1, 2, 3, 4, 5, 6, 7] as StepNo[])
      .filter((n) => n !== 7 || r.state === "completed")
      .filter((n) => n !== 6 || r.oldKeyId !== null || r.state !== "completed")
      .map((n) => {
        const s = latestOf(n);
        return { step: n, title: STEP_TITLES[n], outcome: s ? s.outcome : n === 7 && r.deleteAfter ? "scheduled" : "pending", durationMs: s ? dur(s, now) : null };
      }),
    steps: steps.map((s) => ({
      id: s.id,
      step: s.step,
      title: STEP_TITLES[s.step],
      outcome: s.outcome,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      durationMs: dur(s, now),
      message: s.message,
      runUrl: typeof s.detail?.htmlUrl === "string" && s.detail.htmlUrl ? (s.detail.htmlUrl as string) : null,
      recovered: s.detail?.recovered === true,
    })),
    holders: holdersOf(steps),
    canaries: canariesOf(steps),
    githubHolds,
    canResume: r.state === "stopped",
    canDeleteOldKey: r.state === "completed" && Boolean(r.oldKeyId) && !r.oldKeyDeletedAt,
  };
}

/**
 * The result line from the rotation's state now, never a string left over from an earlier step: once the old key
 * is deleted the line says so (the stored line, written at completion, said it "will be deleted").
 */
function currentMessage(r: RotationRecord): string | null {
  if (r.state !== "completed") return r.message;
  if (!r.oldKeyId) return `GitHub holds the new key ${r.newKeyId}. There was no old key to deactivate.`;
  if (r.oldKeyDeletedAt) return `GitHub holds the new key ${r.newKeyId}; the old key ${r.oldKeyId} was deleted on ${r.oldKeyDeletedAt}.`;
  if (r.deleteAfter) return `GitHub holds the new key ${r.newKeyId}; the old key ${r.oldKeyId} is inactive and will be deleted after ${r.deleteAfter}.`;
  return r.message;
}

/**
 * A warning holds while the step that raised it has not been done since. A completed rotation deactivated the old
 * key and verified the new one, so a canary's or a write's warning from before a Resume is over; only what the
 * deletion of the old key reported (step 7 skipped or failed) can still be true.
 */
function currentWarning(r: RotationRecord, deletion: StepRecord | undefined): string | null {
  if (r.state !== "completed") return r.warning;
  return deletion && deletion.outcome !== "succeeded" ? r.warning : null;
}

type RecordedHolder = { scope: string; org?: string; environment?: string; repository?: string; repositories?: unknown; visibility?: string };
const isRecord = (x: unknown): x is RecordedHolder => typeof x === "object" && x !== null && typeof (x as { scope?: unknown }).scope === "string";
const sameHolder = (a: RecordedHolder, b: RecordedHolder) => a.scope === b.scope && a.org === b.org && a.environment === b.environment && (a.repository ?? "") === (b.repository ?? "");

/**
 * The holders step 1 recorded, each marked written when the latest step 4 since the last unwind (a key that was
 * thrown away does not count) wrote it. A holder recorded before the fleet (no repository) is the default one's.
 */
function holdersOf(steps: StepRecord[]): HolderView[] {
  const pre = [...steps].reverse().find((s) => s.step === 1 && s.outcome === "succeeded");
  const recorded = Array.isArray(pre?.detail?.holders) ? (pre.detail.holders as unknown[]).filter(isRecord) : [];
  const repos = Array.isArray(pre?.detail?.repositories) ? (pre.detail.repositories as unknown[]).filter((x): x is string => typeof x === "string") : [];
  const defaultRepo = repos[0] ?? "the default repository";
  const lastUnwind = [...steps].reverse().find((s) => s.step === 0);
  const write = [...steps].reverse().find((s) => s.step === 4 && (!lastUnwind || s.id > lastUnwind.id));
  const writes = Array.isArray(write?.detail?.writes) ? (write.detail.writes as unknown[]).filter(isRecord) : [];
  return recorded
    .filter((h) => h.scope === "organization" || h.scope === "environment" || h.scope === "repository")
    .map((h) => ({
      scope: h.scope as HolderView["scope"],
      where: h.scope === "organization" ? String(h.org) : (h.repository ?? defaultRepo),
      label:
        h.scope === "organization"
          ? `organization secrets${h.visibility ? ` (visibility ${h.visibility})` : ""}`
          : h.scope === "environment"
            ? `${h.environment} environment secrets`
            : "repository secrets",
      repositories: Array.isArray(h.repositories) ? h.repositories.filter((x): x is string => typeof x === "string") : [],
      written: writes.some((w) => sameHolder(w, h)),
    }));
}

/** The latest canary step's runs: the default repository's, then every other repository's (`shared`). */
function canariesOf(steps: StepRecord[]): CanaryView[] {
  const canary = [...steps].reverse().find((s) => s.step === 5);
  if (!canary) return [];
  const pre = [...steps].reverse().find((s) => s.step === 1 && s.outcome === "succeeded");
  const repos = Array.isArray(pre?.detail?.repositories) ? (pre.detail.repositories as unknown[]) : [];
  const d = canary.detail ?? {};
  const firstRepository = typeof repos[0] === "string" ? repos[0] : null;
  const first: CanaryView = {
    repository: firstRepository ?? "the default repository",
    conclusion: typeof d.conclusion === "string" ? d.conclusion : canary.outcome === "skipped" ? "skipped" : canary.outcome,
    runUrl: typeof d.htmlUrl === "string" && d.htmlUrl ? d.htmlUrl : null,
    runPath: deckhandRunPath(d.runId, firstRepository),
    note: canary.outcome === "skipped" ? canary.message : null,
  };
  const shared = Array.isArray(d.shared) ? (d.shared as Array<Record<string, unknown>>) : [];
  return [
    first,
    ...shared.map((x) => ({
      repository: String(x.repository),
      conclusion: String(x.conclusion),
      runUrl: typeof x.htmlUrl === "string" && x.htmlUrl ? x.htmlUrl : null,
      runPath: deckhandRunPath(x.runId, String(x.repository)),
      note: typeof x.note === "string" ? x.note : null,
    })),
  ];
}

/** `/workflows/runs/<id>?repo=owner/name`: Deckhand's page of a canary run; null without a run id or a repository. */
export function deckhandRunPath(runId: unknown, repository: string | null): string | null {
  if (typeof runId !== "number" || !Number.isSafeInteger(runId) || runId <= 0 || !repository || !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository)) return null;
  return `/workflows/runs/${runId}?repo=${encodeURIComponent(repository)}`;
}
