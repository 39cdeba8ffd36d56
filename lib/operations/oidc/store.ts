// The OIDC move's store. Every transition is one IMMEDIATE transaction with its audit entry, on disk before the
// next step begins, so a resuming process sees exactly what was done (the setup store's discipline; the owner
// and step-detail helpers are shared from lib/infra/db).

import type { Db } from "../../infra/db/open-db";
import type { Actor } from "../context";
import { mergeStepDetail } from "../../infra/db/merge-step-detail";
import { ownerAlive, ownerId } from "../../infra/db/process-owner";
import { recordAudit } from "../../infra/audit/record-audit";
import type { OidcMovePlan, OidcMoveRecord, OidcMoveState, OidcStepId, OidcStepOutcome, OidcStepRecord } from "./types";

export class OidcMoveBusyError extends Error {
  constructor(public activeId: number | null) {
    super("Another move to the OIDC role is running or stopped for this repository; finish or resume it first.");
    this.name = "OidcMoveBusyError";
  }
}

type Row = Record<string, unknown>;
const iso = (d: Date) => d.toISOString();

function toMove(r: Row): OidcMoveRecord {
  return {
    id: r.id as number,
    state: r.state as OidcMoveState,
    repository: r.repository as string,
    requestedBy: r.requested_by as string,
    plan: JSON.parse(r.plan as string) as OidcMovePlan,
    message: (r.message as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
  };
}

function toStep(r: Row): OidcStepRecord {
  return {
    id: r.id as number,
    moveId: r.move_id as number,
    step: r.step as OidcStepId,
    outcome: r.outcome as OidcStepOutcome,
    startedAt: r.started_at as string,
    endedAt: (r.ended_at as string | null) ?? null,
    detail: r.detail ? (JSON.parse(r.detail as string) as Record<string, unknown>) : null,
    message: (r.message as string | null) ?? null,
  };
}

function audit(db: Db, who: Actor, action: string, moveId: number, outcome: "success" | "failure", detail: Record<string, unknown>, at: Date) {
  recordAudit(db, { actor: who.login, role: who.role, action, target: `oidc-move ${moveId}`, outcome, detail }, at);
}

export function getOidcMove(db: Db, id: number): OidcMoveRecord | null {
  const r = db.prepare(`SELECT * FROM oidc_moves WHERE id = ?`).get(id) as Row | undefined;
  return r ? toMove(r) : null;
}

export function latestOidcMove(db: Db, repository: string): OidcMoveRecord | null {
  const r = db.prepare(`SELECT * FROM oidc_moves WHERE lower(repository) = lower(?) ORDER BY id DESC LIMIT 1`).get(repository) as Row | undefined;
  return r ? toMove(r) : null;
}

export function activeOidcMove(db: Db, repository: string): OidcMoveRecord | null {
  const r = db.prepare(`SELECT * FROM oidc_moves WHERE lower(repository) = lower(?) AND state IN ('running', 'stopped') LIMIT 1`).get(repository) as Row | undefined;
  return r ? toMove(r) : null;
}

/** Does a move of another repository than `repository` (case-insensitive) record the role `roleName`? */
export function roleNameTakenByAnother(db: Db, roleName: string, repository: string): boolean {
  return db.prepare(`SELECT 1 FROM oidc_moves WHERE json_extract(plan, '$.roleName') = ? AND lower(repository) != lower(?) LIMIT 1`).get(roleName, repository) !== undefined;
}

/** Every move still "running" in the store, oldest first, of any repository (the server-start resume's list). */
export function runningOidcMoves(db: Db): OidcMoveRecord[] {
  return (db.prepare(`SELECT * FROM oidc_moves WHERE state = 'running' ORDER BY id`).all() as Row[]).map(toMove);
}

/** The repositories (owner/name, as the moves recorded them) that ever had a move: those whose retire steps may be in doubt. */
export function oidcMoveRepositories(db: Db): string[] {
  return (db.prepare(`SELECT DISTINCT repository FROM oidc_moves ORDER BY repository`).all() as Array<{ repository: string }>).map((r) => r.repository);
}

export function listOidcSteps(db: Db, moveId: number): OidcStepRecord[] {
  return (db.prepare(`SELECT * FROM oidc_move_steps WHERE move_id = ? ORDER BY id`).all(moveId) as Row[]).map(toStep);
}

/** Insert a running move with its plan. Throws OidcMoveBusyError when one is active for the repository. */
export function insertOidcMove(db: Db, input: { requestedBy: string; plan: OidcMovePlan; who: Actor }, now = new Date()): number {
  try {
    return db
      .transaction(() => {
        const info = db
          .prepare(`INSERT INTO oidc_moves (state, repository, requested_by, plan, created_at, updated_at) VALUES ('running', ?, ?, ?, ?, ?)`)
          .run(input.plan.repository, input.requestedBy, JSON.stringify(input.plan), iso(now), iso(now));
        const id = Number(info.lastInsertRowid);
        audit(db, input.who, "oidc.start", id, "success", { repository: input.plan.repository, role: input.plan.roleName, subjects: input.plan.subjects.map((s) => s.value) }, now);
        return id;
      })
      .immediate();
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new OidcMoveBusyError(activeOidcMove(db, input.plan.repository)?.id ?? null);
    throw err;
  }
}

export function beginOidcStep(db: Db, moveId: number, step: OidcStepId, who: Actor, now = new Date()): number {
  return db
    .transaction(() => {
      const info = db.prepare(`INSERT INTO oidc_move_steps (move_id, step, outcome, started_at) VALUES (?, ?, 'running', ?)`).run(moveId, step, iso(now));
      db.prepare(`UPDATE oidc_moves SET updated_at = ? WHERE id = ?`).run(iso(now), moveId);
      audit(db, who, `oidc.${step}.start`, moveId, "success", {}, now);
      return Number(info.lastInsertRowid);
    })
    .immediate();
}

/** Close the steps a dead runner left "running" as "interrupted" (audited); the resume runs them again. */
export function closeInterruptedOidcSteps(db: Db, moveId: number, who: Actor, now = new Date()): number {
  return db
    .transaction(() => {
      const rows = (db.prepare(`SELECT * FROM oidc_move_steps WHERE move_id = ? AND outcome = 'running' ORDER BY id`).all(moveId) as Row[]).map(toStep);
      for (const step of rows) {
        db.prepare(`UPDATE oidc_move_steps SET outcome = 'interrupted', ended_at = ?, message = ? WHERE id = ?`).run(
          iso(now),
          "Interrupted: the process running this step stopped before it ended. The resume runs it again (every step is idempotent).",
          step.id,
        );
        audit(db, who, `oidc.${step.step}.interrupted`, moveId, "failure", { startedAt: step.startedAt }, now);
      }
      return rows.length;
    })
    .immediate();
}

export function updateOidcStepDetail(db: Db, stepId: number, detail: Record<string, unknown>): void {
  mergeStepDetail(db, "oidc_move_steps", stepId, detail);
}

export function endOidcStep(db: Db, stepId: number, end: { outcome: Exclude<OidcStepOutcome, "running">; detail?: Record<string, unknown>; message?: string | null }, who: Actor, now = new Date()): void {
  db.transaction(() => {
    const row = db.prepare(`SELECT * FROM oidc_move_steps WHERE id = ?`).get(stepId) as Row | undefined;
    if (!row) throw new Error(`no OIDC move step ${stepId}`);
    const step = toStep(row);
    const detail = { ...(step.detail ?? {}), ...(end.detail ?? {}) };
    db.prepare(`UPDATE oidc_move_steps SET outcome = ?, ended_at = ?, detail = ?, message = ? WHERE id = ?`).run(end.outcome, iso(now), Object.keys(detail).length ? JSON.stringify(detail) : null, end.message ?? null, stepId);
    db.prepare(`UPDATE oidc_moves SET updated_at = ? WHERE id = ?`).run(iso(now), step.moveId);
    const verb = end.outcome === "failed" ? "fail" : end.outcome === "skipped" ? "skip" : "end";
    audit(db, who, `oidc.${step.step}.${verb}`, step.moveId, end.outcome === "failed" ? "failure" : "success", { ...(end.message ? { message: end.message } : {}), ...(end.detail ?? {}) }, now);
  }).immediate();
}

export function setOidcMoveState(db: Db, moveId: number, patch: { state: OidcMoveState; message?: string | null }, who: Actor, now = new Date()): void {
  db.transaction(() => {
    const finished = patch.state === "completed" || patch.state === "failed" ? iso(now) : null;
    db.prepare(`UPDATE oidc_moves SET state = ?, message = ?, finished_at = ?, updated_at = ? WHERE id = ?`).run(patch.state, patch.message ?? null, finished, iso(now), moveId);
    const verb = patch.state === "running" ? "resume" : patch.state === "stopped" ? "stop" : patch.state === "completed" ? "complete" : "fail";
    audit(db, who, `oidc.${verb}`, moveId, patch.state === "failed" ? "failure" : "success", patch.message ? { message: patch.message } : {}, now);
  }).immediate();
}

/** One runner per move: the owning process is recorded; a move whose owner process is gone is free. */
export function claimOidcMove(db: Db, moveId: number, owner = ownerId()): boolean {
  return db
    .transaction(() => {
      const r = db.prepare(`SELECT owner FROM oidc_moves WHERE id = ?`).get(moveId) as { owner: string | null } | undefined;
      if (!r) return false;
      if (r.owner && r.owner !== owner && ownerAlive(r.owner)) return false;
      db.prepare(`UPDATE oidc_moves SET owner = ? WHERE id = ?`).run(owner, moveId);
      return true;
    })
    .immediate();
}

export function releaseOidcMove(db: Db, moveId: number, owner = ownerId()): void {
  db.prepare(`UPDATE oidc_moves SET owner = NULL WHERE id = ? AND owner = ?`).run(moveId, owner);
}
