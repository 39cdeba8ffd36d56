// The setup store. Every transition is one IMMEDIATE transaction with its audit entry, on disk before
// the next step begins, so a resuming process sees exactly what was done. No secret value is ever stored.

import type { Db } from "../../infra/db/open-db";
import type { Actor } from "../context";
import { mergeStepDetail } from "../../infra/db/merge-step-detail";
import { ownerAlive, ownerId } from "../../infra/db/process-owner";
import { recordAudit } from "../../infra/audit/record-audit";
import type { PlannedStep, SetupNames, SetupRecord, SetupRunState, SetupStepId, SetupStepOutcome, SetupStepRecord } from "./types";


export class SetupBusyError extends Error {
  constructor(public activeId: number | null) {
    super("Another setup is running or stopped; finish or resume it first.");
    this.name = "SetupBusyError";
  }
}

type Row = Record<string, unknown>;
const iso = (d: Date) => d.toISOString();

function toSetup(r: Row): SetupRecord {
  return {
    id: r.id as number,
    state: r.state as SetupRunState,
    requestedBy: r.requested_by as string,
    names: JSON.parse(r.names as string) as SetupNames,
    plan: JSON.parse(r.plan as string) as PlannedStep[],
    removeRegionSecretConfirmed: r.remove_region_secret_confirmed === 1,
    message: (r.message as string | null) ?? null,
    warning: (r.warning as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
  };
}

function toStep(r: Row): SetupStepRecord {
  return {
    id: r.id as number,
    setupId: r.setup_id as number,
    step: r.step as SetupStepId,
    outcome: r.outcome as SetupStepOutcome,
    startedAt: r.started_at as string,
    endedAt: (r.ended_at as string | null) ?? null,
    detail: r.detail ? (JSON.parse(r.detail as string) as Record<string, unknown>) : null,
    message: (r.message as string | null) ?? null,
  };
}

function audit(db: Db, who: Actor, action: string, setupId: number, outcome: "success" | "failure", detail: Record<string, unknown>, at: Date) {
  recordAudit(db, { actor: who.login, role: who.role, action, target: `setup ${setupId}`, outcome, detail }, at);
}

export function getSetup(db: Db, id: number): SetupRecord | null {
  const r = db.prepare(`SELECT * FROM setups WHERE id = ?`).get(id) as Row | undefined;
  return r ? toSetup(r) : null;
}

/**
 * The newest setup of `repository` (owner/name, case-insensitive), or of any repository when null. A setup recorded
 * before setups were per repository names none: it counts as `defaultRepository`'s.
 */
export function latestSetup(db: Db, repository: string | null = null, defaultRepository = ""): SetupRecord | null {
  const r = (
    repository === null
      ? db.prepare(`SELECT * FROM setups ORDER BY id DESC LIMIT 1`).get()
      : db.prepare(`SELECT * FROM setups WHERE lower(COALESCE(json_extract(names, '$.repository'), ?)) = lower(?) ORDER BY id DESC LIMIT 1`).get(defaultRepository, repository)
  ) as Row | undefined;
  return r ? toSetup(r) : null;
}

export function activeSetup(db: Db): SetupRecord | null {
  const r = db.prepare(`SELECT * FROM setups WHERE state IN ('running', 'stopped') LIMIT 1`).get() as Row | undefined;
  return r ? toSetup(r) : null;
}

export function listSetupSteps(db: Db, setupId: number): SetupStepRecord[] {
  return (db.prepare(`SELECT * FROM setup_steps WHERE setup_id = ? ORDER BY id`).all(setupId) as Row[]).map(toStep);
}

/** Insert a running setup with its plan. Throws SetupBusyError when one is active. */
export function insertSetup(db: Db, input: { requestedBy: string; names: SetupNames; plan: PlannedStep[]; removeRegionSecretConfirmed: boolean; who: Actor }, now = new Date()): number {
  try {
    return db
      .transaction(() => {
        const info = db
          .prepare(`INSERT INTO setups (state, requested_by, names, plan, remove_region_secret_confirmed, created_at, updated_at) VALUES ('running', ?, ?, ?, ?, ?, ?)`)
          .run(input.requestedBy, JSON.stringify(input.names), JSON.stringify(input.plan), input.removeRegionSecretConfirmed ? 1 : 0, iso(now), iso(now));
        const id = Number(info.lastInsertRowid);
        audit(db, input.who, "setup.start", id, "success", { ...input.names, steps: input.plan.map((s) => s.id), removeRegionSecret: input.removeRegionSecretConfirmed }, now);
        return id;
      })
      .immediate();
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new SetupBusyError(activeSetup(db)?.id ?? null);
    throw err;
  }
}

export function beginSetupStep(db: Db, setupId: number, step: SetupStepId, who: Actor, now = new Date()): number {
  return db
    .transaction(() => {
      const info = db.prepare(`INSERT INTO setup_steps (setup_id, step, outcome, started_at) VALUES (?, ?, 'running', ?)`).run(setupId, step, iso(now));
      db.prepare(`UPDATE setups SET updated_at = ? WHERE id = ?`).run(iso(now), setupId);
      audit(db, who, `setup.${step}.start`, setupId, "success", {}, now);
      return Number(info.lastInsertRowid);
    })
    .immediate();
}

/**
 * Close the steps a dead runner left "running" as "interrupted" (its process stopped before the step
 * ended). Called by the runner that has just claimed the setup, so no live runner owns them. Audited.
 */
export function closeInterruptedSetupSteps(db: Db, setupId: number, who: Actor, now = new Date()): number {
  return db
    .transaction(() => {
      const rows = (db.prepare(`SELECT * FROM setup_steps WHERE setup_id = ? AND outcome = 'running' ORDER BY id`).all(setupId) as Row[]).map(toStep);
      for (const step of rows) {
        const message = "Interrupted: the process running this step stopped before it ended. The resume runs it again (every step is idempotent).";
        db.prepare(`UPDATE setup_steps SET outcome = 'interrupted', ended_at = ?, message = ? WHERE id = ?`).run(iso(now), message, step.id);
        audit(db, who, `setup.${step.step}.interrupted`, setupId, "failure", { startedAt: step.startedAt }, now);
      }
      if (rows.length) db.prepare(`UPDATE setups SET updated_at = ? WHERE id = ?`).run(iso(now), setupId);
      return rows.length;
    })
    .immediate();
}

/** Progress inside a step (e.g. the rotation it started), so a resume can pick it up. */
export function updateSetupStepDetail(db: Db, stepId: number, detail: Record<string, unknown>): void {
  mergeStepDetail(db, "setup_steps", stepId, detail);
}

export function endSetupStep(
  db: Db,
  stepId: number,
  end: { outcome: Exclude<SetupStepOutcome, "running">; detail?: Record<string, unknown>; message?: string | null },
  who: Actor,
  now = new Date(),
): void {
  db.transaction(() => {
    const row = db.prepare(`SELECT * FROM setup_steps WHERE id = ?`).get(stepId) as Row | undefined;
    if (!row) throw new Error(`no setup step ${stepId}`);
    const step = toStep(row);
    const detail = { ...(step.detail ?? {}), ...(end.detail ?? {}) };
    db.prepare(`UPDATE setup_steps SET outcome = ?, ended_at = ?, detail = ?, message = ? WHERE id = ?`).run(
      end.outcome,
      iso(now),
      Object.keys(detail).length ? JSON.stringify(detail) : null,
      end.message ?? null,
      stepId,
    );
    db.prepare(`UPDATE setups SET updated_at = ? WHERE id = ?`).run(iso(now), step.setupId);
    const verb = end.outcome === "failed" ? "fail" : end.outcome === "skipped" ? "skip" : "end";
    audit(db, who, `setup.${step.step}.${verb}`, step.setupId, end.outcome === "failed" ? "failure" : "success", { ...(end.message ? { message: end.message } : {}), ...(end.detail ?? {}) }, now);
  }).immediate();
}

export function setSetupState(
  db: Db,
  setupId: number,
  patch: { state: SetupRunState; message?: string | null; warning?: string | null },
  who: Actor,
  now = new Date(),
): void {
  db.transaction(() => {
    const finished = patch.state === "completed" || patch.state === "failed" ? iso(now) : null;
    db.prepare(`UPDATE setups SET state = ?, message = ?, warning = COALESCE(?, warning), finished_at = ?, updated_at = ? WHERE id = ?`).run(
      patch.state,
      patch.message ?? null,
      patch.warning ?? null,
      finished,
      iso(now),
      setupId,
    );
    audit(db, who, `setup.${patch.state === "running" ? "resume" : patch.state === "stopped" ? "stop" : patch.state === "completed" ? "complete" : "fail"}`, setupId, patch.state === "failed" ? "failure" : "success", patch.message ? { message: patch.message } : {}, now);
  }).immediate();
}

// One runner per setup: the owning process is recorded; a setup whose owner process is gone is free.
export function claimSetup(db: Db, setupId: number, owner = ownerId()): boolean {
  return db
    .transaction(() => {
      const r = db.prepare(`SELECT owner FROM setups WHERE id = ?`).get(setupId) as { owner: string | null } | undefined;
      if (!r) return false;
      if (r.owner && r.owner !== owner && ownerAlive(r.owner)) return false;
      db.prepare(`UPDATE setups SET owner = ? WHERE id = ?`).run(owner, setupId);
      return true;
    })
    .immediate();
}

export function releaseSetup(db: Db, setupId: number, owner = ownerId()): void {
  db.prepare(`UPDATE setups SET owner = NULL WHERE id = ? AND owner = ?`).run(setupId, owner);
}
