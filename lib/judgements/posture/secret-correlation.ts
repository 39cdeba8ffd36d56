// GitHub never returns a secret's value, so which access key AWS_ACCESS_KEY_ID holds has to be inferred:
// a key can only be in the secret if it existed when the secret was last written, and the key GitHub holds
// is the one GitHub Actions runners sign with afterwards. Every conclusion carries the evidence behind it.

import { isActiveStatus, type AccessKeyInfo, type Severity } from "./key-verdicts";
import { HOUR_MS, MINUTE_MS, toEpochMs } from "./time-util";
import { formatSpan } from "../../format";
import type { CloudTrailEvent, GithubSecretInfo, WorkflowRunInfo } from "./types";

const GITHUB_USER_AGENT_RE = /github[-_ ]?actions|configure-aws-credentials/i;

export function isGithubActionsUserAgent(userAgent: string | null | undefined): boolean {
  return !!userAgent && GITHUB_USER_AGENT_RE.test(userAgent);
}

/** The User-Agent product Deckhand's own AWS clients add (lib/integrations/clients/aws-clients.ts). */
export const DECKHAND_USER_AGENT_PRODUCT = "deckhand";
const DECKHAND_USER_AGENT_RE = /(^|\s)deckhand\//i;

/** A call made by Deckhand's own AWS clients (their User-Agent carries `deckhand/<version>`). */
export function isDeckhandUserAgent(userAgent: string | null | undefined): boolean {
  return !!userAgent && DECKHAND_USER_AGENT_RE.test(userAgent);
}
/** Tools a workflow runs beside the SDK on the same runner: the AWS CLI (get-login-password) and docker (push). */
const RUNNER_TOOL_RE = /^(aws-cli|docker|buildkit|buildx|aws-sdk-[a-z]+|Boto3|Botocore)\//i;

/** A time Deckhand itself used a key: verifying a new key before writing it (rotation step 3, the setup's key step). */
export interface OwnKeyUse {
  accessKeyId: string;
  /** ISO 8601. */
  from: string;
  to: string;
}

/** Deckhand wrote AWS_ACCESS_KEY_ID itself with this key at this time (a rotation's or setup's write step). */
export interface OwnSecretWrite {
  accessKeyId: string;
  /** ISO 8601. */
  at: string;
  /** "rotation #12", for the evidence line. */
  by: string;
}

export type CallOrigin = { origin: "runner" | "deckhand"; why: string } | { origin: "other"; why: string };

/**
 * Where one CloudTrail call came from. Deckhand's own calls (its User-Agent product, or inside a window in which it
 * verified the key) and the workflow runners' calls (GitHub Actions' agent; the AWS CLI or docker from an address a
 * GitHub Actions call of the same key used within 30 minutes; a runner tool during a workflow run) are never evidence
 * that someone else holds the key. Anything else is, and `why` says what did not match.
 */
export function classifyCallOrigin(
  e: CloudTrailEvent,
  ctx: { at: number; runnerAddresses: { ip: string; at: number }[]; runs: { id: number; start: number; end: number | null }[]; own: { accessKeyId: string; from: number; to: number }[] },
): CallOrigin {
  const agent = e.userAgent ?? "";
  if (isDeckhandUserAgent(agent)) return { origin: "deckhand", why: "Deckhand's own call" };
  const own = ctx.own.find((w) => w.accessKeyId === e.accessKeyId && ctx.at >= w.from && ctx.at <= w.to);
  if (own) return { origin: "deckhand", why: "while Deckhand verified the key" };
  if (isGithubActionsUserAgent(agent)) return { origin: "runner", why: "GitHub Actions" };
  const near = e.sourceIp ? ctx.runnerAddresses.find((r) => r.ip === e.sourceIp && Math.abs(r.at - ctx.at) <= 30 * MINUTE_MS) : undefined;
  if (near) return { origin: "runner", why: `from ${e.sourceIp}, the address of a GitHub Actions call at ${new Date(near.at).toISOString()}` };
  const run = RUNNER_TOOL_RE.test(agent) ? ctx.runs.find((r) => ctx.at >= r.start - 2 * MINUTE_MS && ctx.at <= (r.end ?? r.start + 6 * HOUR_MS) + 5 * MINUTE_MS) : undefined;
  if (run) return { origin: "runner", why: `${agent.split(" ")[0]} during workflow run #${run.id}` };
  return {
    origin: "other",
    why: `${e.eventName} from ${e.sourceIp ?? "an unknown address"} with ${agent.split(" ")[0] || "no user agent"}: not a GitHub Actions agent, not a runner's address, outside every workflow run, not Deckhand`,
  };
}

export interface CandidateKey {
  accessKeyId: string;
  /** False for a key seen in CloudTrail that IAM no longer lists: it was deleted. */
  inIam: boolean;
  status: string | null;
  /** False when GitHub cannot be holding it (created after the secret was last written). */
  possible: boolean;
  score: number;
  evidence: string[];
}

export type CorrelationFlagCode =
  | "missing-secret"
  | "stale-secret"
  | "cannot-hold"
  | "deleted-key"
  | "deleted-key-seen"
  | "no-consistent-key"
  | "held-key-inactive"
  | "secret-pair-mismatch"
  /** Calls with the key that match neither a workflow runner nor Deckhand: someone else may hold it. */
  | "used-elsewhere";

export interface CorrelationFlag {
  code: CorrelationFlagCode;
  severity: Severity;
  message: string;
  accessKeyId?: string;
}

export interface SecretCorrelation {
  mostLikely: {
    accessKeyId: string;
    inIam: boolean;
    status: string | null;
    /** 0..1: how strongly the evidence singles this key out. */
    confidence: number;
    level: "high" | "medium" | "low";
    evidence: string[];
  } | null;
  candidates: CandidateKey[];
  flags: CorrelationFlag[];
  /** When AWS_ACCESS_KEY_ID was last written, ISO, or null when the secret is missing. */
  secretWrittenAt: string | null;
}

export interface CorrelationInput {
  secrets: readonly GithubSecretInfo[];
  keys: readonly AccessKeyInfo[];
  events: readonly CloudTrailEvent[];
  runs: readonly WorkflowRunInfo[];
  now: string | Date;
  /** Clock difference tolerated between GitHub's and AWS's timestamps. */
  toleranceMinutes?: number;
  /** IAM's last-used data lags; runs newer than this are not held against a key. */
  lastUsedLagHours?: number;
  /** When Deckhand itself used keys (verification before writing them): never evidence of a stranger. */
  ownUses?: readonly OwnKeyUse[];
  /** When Deckhand itself wrote AWS_ACCESS_KEY_ID, and with which key. */
  ownWrites?: readonly OwnSecretWrite[];
}

const iso = (ms: number) => new Date(ms).toISOString();

interface TimedEvent {
  at: number;
  e: CloudTrailEvent;
}

/**
 * Which of Deckhand's own writes the secret (last written at `writtenAt`, epoch ms) holds: one whose recorded time is
 * GitHub's own updated_at (read back after the write) to the second, else the newest within `windowMs` — a later
 * write by Deckhand replaced an earlier one, so two rotations minutes apart never both count.
 */
function writesThatHoldTheSecret(writes: readonly OwnSecretWrite[], writtenAt: number, windowMs: number): OwnSecretWrite[] {
  const near = writes.map((w) => ({ w, at: toEpochMs(w.at) })).filter((x): x is { w: OwnSecretWrite; at: number } => x.at !== null && Math.abs(x.at - writtenAt) <= windowMs);
  const exact = near.filter((x) => Math.floor(x.at / 1000) === Math.floor(writtenAt / 1000));
  const pool = exact.length > 0 ? exact : near;
  const newest = Math.max(...pool.map((x) => x.at));
  return pool.filter((x) => x.at === newest).map((x) => x.w);
}

/** Which key the AWS_ACCESS_KEY_ID secret most likely holds, with flags for what cannot be right. */
export function correlateSecretKey(input: CorrelationInput): SecretCorrelation {
  const tolerance = (input.toleranceMinutes ?? 2) * MINUTE_MS;
  const lag = (input.lastUsedLagHours ?? 4) * HOUR_MS;
  const now = toEpochMs(input.now) ?? Date.now();
  const flags: CorrelationFlag[] = [];
  const idSecret = input.secrets.find((s) => s.name === "AWS_ACCESS_KEY_ID");
  const keySecret = input.secrets.find((s) => s.name === "AWS_SECRET_ACCESS_KEY");
  const writtenAt = toEpochMs(idSecret?.updatedAt ?? null);

  if (!idSecret || writtenAt === null) {
    flags.push({ code: "missing-secret", severity: "fail", message: "AWS_ACCESS_KEY_ID is not a secret of this repository: no key can be correlated" });
    return { mostLikely: null, candidates: [], flags, secretWrittenAt: null };
  }

  const keySecretAt = toEpochMs(keySecret?.updatedAt ?? null);
  if (keySecretAt !== null && Math.abs(keySecretAt - writtenAt) > 10 * MINUTE_MS) {
    const later = keySecretAt > writtenAt ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
    flags.push({
      code: "secret-pair-mismatch",
      severity: "warn",
      message: `The two secrets were written ${formatSpan(keySecretAt - writtenAt)} apart (${later} later): one may have been changed without the other, which gives "The Security Token included in the request is invalid"`,
    });
  }

  const events: TimedEvent[] = input.events
    .map((e) => ({ at: toEpochMs(e.time), e }))
    .filter((x): x is TimedEvent => x.at !== null && x.e.accessKeyId !== null);
  const runs = input.runs
    .map((r) => ({ r, start: toEpochMs(r.createdAt), end: toEpochMs(r.updatedAt ?? null) }))
    .filter((x): x is { r: WorkflowRunInfo; start: number; end: number | null } => x.start !== null && x.start >= writtenAt - tolerance);

  const iamIds = new Set(input.keys.map((k) => k.accessKeyId));
  const ghIdsSeen = [...new Set(events.filter((x) => isGithubActionsUserAgent(x.e.userAgent)).map((x) => x.e.accessKeyId!))];
  const deletedIds = ghIdsSeen.filter((id) => !iamIds.has(id));

  const candidates: CandidateKey[] = [];
  const possibleCount = input.keys.filter((k) => {
    const c = toEpochMs(k.createDate);
    return c !== null && c <= writtenAt + tolerance;
  }).length;

  const own = (input.ownUses ?? []).flatMap((u) => {
    const from = toEpochMs(u.from);
    const to = toEpochMs(u.to);
    return from !== null && to !== null ? [{ accessKeyId: u.accessKeyId, from: from - tolerance, to: to + tolerance }] : [];
  });
  const runnerAddresses = events.filter((x) => isGithubActionsUserAgent(x.e.userAgent) && x.e.sourceIp).map((x) => ({ ip: x.e.sourceIp!, at: x.at }));
  const runWindows = input.runs.flatMap((r) => {
    const start = toEpochMs(r.createdAt);
    return start === null ? [] : [{ id: r.id, start, end: toEpochMs(r.updatedAt ?? null) }];
  });
  const origins = new Map(events.map((x) => [x, classifyCallOrigin(x.e, { at: x.at, runnerAddresses, runs: runWindows, own })] as const));
  const isRunner = (x: TimedEvent) => origins.get(x)?.origin === "runner";

  const scoreUsage = (id: string, evidence: string[]): number => {
    let score = 0;
    const mine = events.filter((x) => x.e.accessKeyId === id);
    const ghAfter = mine.filter((x) => x.at >= writtenAt - tolerance && isRunner(x));
    const ghBefore = mine.filter((x) => x.at < writtenAt - tolerance && isRunner(x));
    const otherAfter = mine.filter((x) => x.at >= writtenAt - tolerance && origins.get(x)?.origin === "other");
    if (ghAfter.length > 0) {
      const last = ghAfter.reduce((a, b) => (b.at > a.at ? b : a));
      const ok = ghAfter.filter((x) => !x.e.errorCode).length;
      score += ok > 0 ? 5 : 3;
      evidence.push(
        `${ghAfter.length} call(s) from GitHub Actions runners since the secret was written (${ok} succeeded), last ${iso(last.at)} ${last.e.eventName}${last.e.sourceIp ? ` from ${last.e.sourceIp}` : ""}`,
      );
      const matchedRuns = runs.filter((run) => ghAfter.some((x) => x.at >= run.start - tolerance && x.at <= (run.end ?? run.start + 6 * HOUR_MS) + 5 * MINUTE_MS));
      if (matchedRuns.length > 0) {
        score += Math.min(4, 2 * matchedRuns.length);
        evidence.push(`signed calls during workflow run(s) ${matchedRuns.slice(0, 5).map((m) => `#${m.r.id} (${m.r.conclusion ?? "running"})`).join(", ")}`);
      }
    } else if (ghBefore.length > 0) {
      score += 1;
      evidence.push(`used by GitHub Actions only before the secret was last written (last ${iso(ghBefore[ghBefore.length - 1].at)}): possibly the previous value`);
    }
    if (otherAfter.length > 0) {
      const newest = otherAfter.reduce((a, b) => (b.at > a.at ? b : a));
      evidence.push(
        `also used by someone other than GitHub Actions and Deckhand since then: ${otherAfter.length} call(s), last ${iso(newest.at)} ${(origins.get(newest) as CallOrigin).why}`,
      );
      flags.push({
        code: "used-elsewhere",
        severity: "warn",
        accessKeyId: id,
        message: `${id} was used ${otherAfter.length} time(s) by someone other than GitHub Actions and Deckhand since the secret was written; last ${iso(newest.at)}, ${(origins.get(newest) as CallOrigin).why}`,
      });
    }
    return score;
  };

  const creditedWrites = writesThatHoldTheSecret(input.ownWrites ?? [], writtenAt, tolerance + MINUTE_MS);

  for (const key of input.keys) {
    const evidence: string[] = [];
    const created = toEpochMs(key.createDate);
    const possible = created !== null && created <= writtenAt + tolerance;
    let score = 0;
    if (!possible) {
      evidence.push(`created ${created !== null ? iso(created) : "at an unknown time"}, after AWS_ACCESS_KEY_ID was last written (${iso(writtenAt)})`);
      flags.push({
        code: "cannot-hold",
        severity: "info",
        accessKeyId: key.accessKeyId,
        message: `GitHub cannot be holding ${key.accessKeyId}: it was created after AWS_ACCESS_KEY_ID was last written`,
      });
      candidates.push({ accessKeyId: key.accessKeyId, inIam: true, status: key.status, possible, score: 0, evidence });
      continue;
    }
    score += scoreUsage(key.accessKeyId, evidence);
    // The strongest evidence there is: Deckhand wrote the secret itself, with this key, at the time GitHub reports.
    const wrote = creditedWrites.find((w) => w.accessKeyId === key.accessKeyId);
    if (wrote) {
      score += 10;
      evidence.push(`Deckhand wrote AWS_ACCESS_KEY_ID itself with this key at ${iso(toEpochMs(wrote.at)!)} (${wrote.by})`);
    }
    const lastUsed = toEpochMs(key.lastUsed?.date ?? null);
    if (lastUsed !== null && lastUsed >= writtenAt - tolerance) {
      score += 2;
      evidence.push(`IAM reports last use ${iso(lastUsed)}${key.lastUsed?.service ? ` (${key.lastUsed.service})` : ""}, after the secret was written`);
    }
    if (created !== null && writtenAt - created <= 2 * HOUR_MS) {
      score += 2;
      evidence.push(`created ${formatSpan(writtenAt - created)} before the secret was written, as when a new key is pasted in`);
    }
    if (possibleCount === 1) {
      score += 1;
      evidence.push("the only existing key that was created before the secret was written");
    }
    if (isActiveStatus(key.status)) {
      // Successful runs must have signed with the key GitHub holds; a key idle through them is not it.
      const idle = runs.filter((run) => run.r.conclusion === "success" && run.start < now - lag && (lastUsed === null || lastUsed < run.start - tolerance));
      if (idle.length > 0 && ghIdsSeen.length > 0) {
        score -= Math.min(3, idle.length);
        evidence.push(`not used during successful run(s) ${idle.slice(0, 3).map((x) => `#${x.r.id}`).join(", ")}`);
      }
    } else {
      evidence.push(`status ${key.status}: requests signed with it are refused`);
    }
    candidates.push({ accessKeyId: key.accessKeyId, inIam: true, status: key.status, possible, score, evidence });
  }

  for (const id of deletedIds) {
    const evidence = [`seen in CloudTrail from GitHub Actions but no longer listed by IAM: the key was deleted`];
    const score = scoreUsage(id, evidence);
    candidates.push({ accessKeyId: id, inIam: false, status: null, possible: true, score, evidence });
  }

  // Stale: a key newer than the secret exists, so the secret still holds an older one (or the new key
  // never reached GitHub).
  const newest = [...input.keys]
    .map((k) => ({ k, c: toEpochMs(k.createDate) }))
    .filter((x): x is { k: AccessKeyInfo; c: number } => x.c !== null)
    .sort((a, b) => b.c - a.c)[0];
  if (newest && newest.c > writtenAt + tolerance) {
    flags.push({
      code: "stale-secret",
      severity: "warn",
      accessKeyId: newest.k.accessKeyId,
      message: `AWS_ACCESS_KEY_ID was last written ${iso(writtenAt)}, before the newest key ${newest.k.accessKeyId} was created (${iso(newest.c)}): GitHub still holds an older key, or the new key never reached GitHub`,
    });
  }

  const ranked = candidates.filter((c) => c.possible).sort((a, b) => b.score - a.score);
  const positive = ranked.filter((c) => c.score > 0);
  let mostLikely: SecretCorrelation["mostLikely"] = null;
  if (positive.length > 0) {
    const top = positive[0];
    const total = positive.reduce((s, c) => s + c.score, 0);
    const tie = positive.length > 1 && positive[1].score === top.score;
    const strength = top.score >= 5 ? 0.95 : top.score >= 2 ? 0.7 : 0.4;
    const confidence = Math.round(strength * (top.score / total) * 100) / 100;
    const level = tie ? "low" : top.score >= 5 && confidence >= 0.6 ? "high" : top.score >= 2 ? "medium" : "low";
    mostLikely = {
      accessKeyId: top.accessKeyId,
      inIam: top.inIam,
      status: top.status,
      confidence,
      level,
      evidence: tie ? [...top.evidence, `tied with ${positive[1].accessKeyId}: the evidence does not separate them`] : top.evidence,
    };
    if (!top.inIam) {
      flags.push({
        code: "deleted-key",
        severity: "fail",
        accessKeyId: top.accessKeyId,
        message: `GitHub most likely holds ${top.accessKeyId}, which no longer exists: pushes fail with "The AWS Access Key Id you provided does not exist"`,
      });
    } else if (top.status !== null && !isActiveStatus(top.status)) {
      flags.push({
        code: "held-key-inactive",
        severity: "fail",
        accessKeyId: top.accessKeyId,
        message: `GitHub most likely holds ${top.accessKeyId}, which is ${top.status}: pushes fail until the secret holds an active key`,
      });
    }
  }
  for (const c of candidates) {
    if (c.inIam || c.accessKeyId === mostLikely?.accessKeyId) continue;
    flags.push({
      code: "deleted-key-seen",
      severity: "info",
      accessKeyId: c.accessKeyId,
      message: `${c.accessKeyId} was used by GitHub Actions but has been deleted: if GitHub still held it, pushes would fail`,
    });
  }
  if (ranked.length === 0) {
    flags.push({
      code: "no-consistent-key",
      severity: "fail",
      message: `No existing key could have been written into AWS_ACCESS_KEY_ID at ${iso(writtenAt)}: GitHub holds a deleted key or one from another user`,
    });
  }
  return { mostLikely, candidates, flags, secretWrittenAt: iso(writtenAt) };
}
