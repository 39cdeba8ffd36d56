// The rotation store. Every transition is one IMMEDIATE transaction that also writes the audit entry,
// so what the page, the audit log and a resuming process see is always the same, and is on disk
// before the next step begins.

import type { Db } from "../../infra/db/open-db";
import type { Actor } from "../context";
import { mergeStepDetail } from "../../infra/db/merge-step-detail";
import { ownerAlive, ownerId } from "../../infra/db/process-owner";
import { recordAudit } from "../../infra/audit/record-audit";
import { STEP_NAMES, type RotationRecord, type RotationState, type StepNo, type StepOutcome, type StepRecord } from "./types";

export class RotationBusyError extends Error {
  constructor(public activeId: number | null) {
    super("Another rotation of this push user is running or stopped; finish or resume it first.");
    this.name = "RotationBusyError";
  }
}

type Row = Record<string, unknown>;

function toRotation(r: Row): RotationRecord {
  return {
    id: r.id as number,
    state: r.state as RotationState,
    trigger: r.trigger as RotationRecord["trigger"],
    requestedBy: r.requested_by as string,
    userName: r.user_name as string,
    repository: (r.repository as string | null) ?? null,
    oldKeyId: (r.old_key_id as string | null) ?? null,
    newKeyId: (r.new_key_id as string | null) ?? null,
    keysBefore: JSON.parse(r.keys_before as string) as string[],
    restarts: r.restarts as number,
    message: (r.message as string | null) ?? null,
    warning: (r.warning as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    deleteAfter: (r.delete_after as string | null) ?? null,
    oldKeyDeletedAt: (r.old_key_deleted_at as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
    leaseUntil: (r.lease_until as number | null) ?? null,
  };
}

function toStep(r: Row): StepRecord {
  return {
    id: r.id as number,
    rotationId: r.rotation_id as number,
    step: r.step as StepNo,
    name: r.name as string,
    outcome: r.outcome as StepOutcome,
    startedAt: r.started_at as string,
    endedAt: (r.ended_at as string | null) ?? null,
    detail: r.detail ? (JSON.parse(r.detail as string) as Record<string, unknown>) : null,
    message: (r.message as string | null) ?? null,
  };
}

const iso = (d: Date) => d.toISOString();

export function getRotation(db: Db, id: number): RotationRecord | null {
  const r = db.prepare(`SELECT * FROM rotations WHERE id = ?`).get(id) as Row | undefined;
  return r ? toRotation(r) : null;
}

export function listSteps(db: Db, rotationId: number): StepRecord[] {
  return (db.prepare(`SELECT * FROM rotation_steps WHERE rotation_id = ? ORDER BY id`).all(rotationId) as Row[]).map(toStep);
}

export function listRotations(db: Db, limit = 20): RotationRecord[] {
  return (db.prepare(`SELECT * FROM rotations ORDER BY id DESC LIMIT ?`).all(limit) as Row[]).map(toRotation);
}

/**
 * The running or stopped rotation of push user `userName` (the store allows at most one per user); without a user,
 * the oldest active rotation of any user (used where any key change underway matters, e.g. the guided setup).
 */
export function activeRotation(db: Db, userName?: string): RotationRecord | null {
  const r = (
    userName === undefined
      ? db.prepare(`SELECT * FROM rotations WHERE state IN ('running', 'stopped') ORDER BY id LIMIT 1`).get()
      : db.prepare(`SELECT * FROM rotations WHERE state IN ('running', 'stopped') AND user_name = ? LIMIT 1`).get(userName)
  ) as Row | undefined;
  return r ? toRotation(r) : null;
}

/** Every running or stopped rotation, oldest first (one per push user at most). */
export function activeRotations(db: Db): RotationRecord[] {
  return (db.prepare(`SELECT * FROM rotations WHERE state IN ('running', 'stopped') ORDER BY id`).all() as Row[]).map(toRotation);
}

/** Completed rotations whose old key still exists (scheduled deletion pending). */
export function rotationsAwaitingDeletion(db: Db): RotationRecord[] {
  return (db.prepare(`SELECT * FROM rotations WHERE state = 'completed' AND old_key_id IS NOT NULL AND old_key_deleted_at IS NULL ORDER BY id`).all() as Row[]).map(toRotation);
}

function audit(db: Db, who: Actor, action: string, rotationId: number, outcome: "success" | "failure", detail: Record<string, unknown>, at: Date) {
  recordAudit(db, { actor: who.login, role: who.role, action, target: `rotation ${rotationId}`, outcome, detail }, at);
}

/**
 * Insert a rotation of `userName` from `repository` (owner/name) in state running with step 1 started. Throws
 * RotationBusyError when a rotation of the same user is active.
 */
export function insertRotation(
  db: Db,
  input: { trigger: "operator" | "automatic"; requestedBy: string; userName: string; repository?: string | null; who: Actor },
  now = new Date(),
): { rotationId: number; stepId: number } {
  try {
    return db
      .transaction(() => {
        const info = db
          .prepare(`INSERT INTO rotations (state, trigger, requested_by, user_name, repository, keys_before, created_at, updated_at) VALUES ('running', ?, ?, ?, ?, '[]', ?, ?)`)
          .run(input.trigger, input.requestedBy, input.userName, input.repository ?? null, iso(now), iso(now));
        const rotationId = Number(info.lastInsertRowid);
        audit(db, input.who, "rotation.start", rotationId, "success", { trigger: input.trigger, user: input.userName, ...(input.repository ? { repository: input.repository } : {}) }, now);
        const stepId = insertStep(db, rotationId, 1, input.who, now);
        return { rotationId, stepId };
      })
      .immediate();
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new RotationBusyError(activeRotation(db, input.userName)?.id ?? null);
    throw err;
  }
}

function insertStep(db: Db, rotationId: number, step: StepNo, who: Actor, now: Date, detail?: Record<string, unknown>): number {
  const info = db
    .prepare(`INSERT INTO rotation_steps (rotation_id, step, name, outcome, started_at, detail) VALUES (?, ?, ?, 'running', ?, ?)`)
    .run(rotationId, step, STEP_NAMES[step], iso(now), detail ? JSON.stringify(detail) : null);
  db.prepare(`UPDATE rotations SET updated_at = ? WHERE id = ?`).run(iso(now), rotationId);
  audit(db, who, `rotation.${STEP_NAMES[step]}.start`, rotationId, "success", { step, ...(detail ?? {}) }, now);
  return Number(info.lastInsertRowid);
}

/** Record that a step begins (before anything of it is done). */
export function beginStep(db: Db, rotationId: number, step: StepNo, who: Actor, detail?: Record<string, unknown>, now = new Date()): number {
  return db.transaction(() => insertStep(db, rotationId, step, who, now, detail)).immediate();
}

export interface RotationPatch {
  state?: RotationState;
  oldKeyId?: string | null;
  newKeyId?: string | null;
  keysBefore?: string[];
  restarts?: number;
  message?: string | null;
  warning?: string | null;
  finishedAt?: string | null;
  deleteAfter?: string | null;
  oldKeyDeletedAt?: string | null;
}

const COLUMNS: Record<keyof RotationPatch, string> = {
  state: "state",
  oldKeyId: "old_key_id",
  newKeyId: "new_key_id",
  keysBefore: "keys_before",
  restarts: "restarts",
  message: "message",
  warning: "warning",
  finishedAt: "finished_at",
  deleteAfter: "delete_after",
  oldKeyDeletedAt: "old_key_deleted_at",
};

function patchRotation(db: Db, rotationId: number, patch: RotationPatch, now: Date) {
  const sets: string[] = ["updated_at = ?"];
  const args: unknown[] = [iso(now)];
  for (const [k, v] of Object.entries(patch) as [keyof RotationPatch, unknown][]) {
    if (v === undefined) continue;
    sets.push(`${COLUMNS[k]} = ?`);
    args.push(k === "keysBefore" ? JSON.stringify(v) : v);
  }
  db.prepare(`UPDATE rotations SET ${sets.join(", ")} WHERE id = ?`).run(...args, rotationId);
}

/** Record how a step ended, with any change to the rotation, in one transaction. */
export function endStep(
  db: Db,
  stepId: number,
  end: { outcome: Exclude<StepOutcome, "running">; detail?: Record<string, unknown>; message?: string | null; rotation?: RotationPatch },
  who: Actor,
  now = new Date(),
): void {
  db.transaction(() => {
    const row = db.prepare(`SELECT * FROM rotation_steps WHERE id = ?`).get(stepId) as Row | undefined;
    if (!row) throw new Error(`no rotation step ${stepId}`);
    const step = toStep(row);
    const detail = { ...(step.detail ?? {}), ...(end.detail ?? {}) };
    db.prepare(`UPDATE rotation_steps SET outcome = ?, ended_at = ?, detail = ?, message = ? WHERE id = ?`).run(
      end.outcome,
      iso(now),
      Object.keys(detail).length ? JSON.stringify(detail) : null,
      end.message ?? null,
      stepId,
    );
    patchRotation(db, step.rotationId, end.rotation ?? {}, now);
    audit(db, who, `rotation.${step.name}.${end.outcome === "failed" ? "fail" : end.outcome === "skipped" ? "skip" : "end"}`, step.rotationId, end.outcome === "failed" ? "failure" : "success", {
      step: step.step,
      ms: now.getTime() - Date.parse(step.startedAt),
      ...(end.message ? { message: end.message } : {}),
      ...(end.detail ?? {}),
    }, now);
  }).immediate();
}

/**
 * Close the steps a dead runner left "running" as "interrupted" (the process stopped before the step
 * ended). Called by the runner that has just claimed the rotation's lease, so no live runner owns them.
 * Each is audited; returns how many were closed.
 */
export function closeInterruptedSteps(db: Db, rotationId: number, who: Actor, now = new Date()): number {
  return db
    .transaction(() => {
      const rows = (db.prepare(`SELECT * FROM rotation_steps WHERE rotation_id = ? AND outcome = 'running' ORDER BY id`).all(rotationId) as Row[]).map(toStep);
      for (const step of rows) {
        const message = "Interrupted: the process running this step stopped before it ended. The resume checks what it did.";
        db.prepare(`UPDATE rotation_steps SET outcome = 'interrupted', ended_at = ?, message = ? WHERE id = ?`).run(iso(now), message, step.id);
        audit(db, who, `rotation.${step.name}.interrupted`, rotationId, "failure", { step: step.step, startedAt: step.startedAt }, now);
      }
      if (rows.length) db.prepare(`UPDATE rotations SET updated_at = ? WHERE id = ?`).run(iso(now), rotationId);
      return rows.length;
    })
    .immediate();
}

/** Progress inside a step (e.g. the canary's run id), so a resume can pick it up. */
export function updateStepDetail(db: Db, stepId: number, detail: Record<string, unknown>): void {
  mergeStepDetail(db, "rotation_steps", stepId, detail);
}

/** Change the rotation's state (stop, resume, complete, fail) and audit it. */
export function setRotation(db: Db, rotationId: number, patch: RotationPatch, who: Actor, action: string, detail: Record<string, unknown> = {}, now = new Date()): void {
  db.transaction(() => {
    patchRotation(db, rotationId, patch, now);
    audit(db, who, action, rotationId, patch.state === "failed" ? "failure" : "success", { ...detail, ...(patch.state ? { state: patch.state } : {}), ...(patch.message ? { message: patch.message } : {}) }, now);
  }).immediate();
}

// Leases: one runner per rotation. A lease held by a process that no longer exists on this host is
// free at once (a killed process cannot renew it); otherwise it must expire.
export function claimLease(db: Db, rotationId: number, leaseMs: number, owner = ownerId(), now = Date.now()): boolean {
  return db
    .transaction(() => {
      const r = db.prepare(`SELECT owner, lease_until FROM rotations WHERE id = ?`).get(rotationId) as { owner: string | null; lease_until: number | null } | undefined;
      if (!r) return false;
      const free = r.owner === owner || !r.lease_until || r.lease_until < now || !ownerAlive(r.owner);
      if (!free) return false;
      db.prepare(`UPDATE rotations SET owner = ?, lease_until = ? WHERE id = ?`).run(owner, now + leaseMs, rotationId);
      return true;
    })
    .immediate();
}

export function renewLease(db: Db, rotationId: number, leaseMs: number, owner = ownerId()): boolean {
  const info = db.prepare(`UPDATE rotations SET lease_until = ? WHERE id = ? AND owner = ?`).run(Date.now() + leaseMs, rotationId, owner);
  return info.changes === 1;
}

export function releaseLease(db: Db, rotationId: number, owner = ownerId()): void {
  db.prepare(`UPDATE rotations SET owner = NULL, lease_until = NULL WHERE id = ? AND owner = ?`).run(rotationId, owner);
}

// Settings of rotation live in the shared settings table under their own keys.

export interface RotationSettings {
  graceDays: number;
  autoRotate: boolean;
}

const DEFAULT_ROTATION_SETTINGS: RotationSettings = { graceDays: 7, autoRotate: false };

export function getRotationSettings(db: Db): RotationSettings {
  const rows = db.prepare(`SELECT key, value FROM settings WHERE key IN ('rotation.graceDays', 'rotation.autoRotate')`).all() as { key: string; value: string }[];
  const out = { ...DEFAULT_ROTATION_SETTINGS };
  for (const r of rows) {
    if (r.key === "rotation.graceDays") out.graceDays = Number(r.value);
    if (r.key === "rotation.autoRotate") out.autoRotate = r.value === "1";
  }
  return out;
}

export function updateRotationSettings(db: Db, actor: Actor, s: RotationSettings): Record<string, { from: unknown; to: unknown }> {
  const before = getRotationSettings(db);
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  const now = new Date().toISOString();
  const upsert = db.prepare(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  db.transaction(() => {
    if (before.graceDays !== s.graceDays) changed.graceDays = { from: before.graceDays, to: s.graceDays };
    if (before.autoRotate !== s.autoRotate) changed.autoRotate = { from: before.autoRotate, to: s.autoRotate };
    upsert.run("rotation.graceDays", String(s.graceDays), now, actor.login);
    upsert.run("rotation.autoRotate", s.autoRotate ? "1" : "0", now, actor.login);
  }).immediate();
  return changed;
}

/**
 * When Deckhand itself used or wrote keys, from the rotations' steps (the guided setup's key step is a rotation too):
 * the windows of "wait until AWS accepts the new key" (step 3) and the end of each successful "write the GitHub
 * secrets" (step 4). The key correlation never counts these as someone else's use.
 */
export function listOwnKeyActivity(db: Db, limit = 50): { uses: { accessKeyId: string; from: string; to: string }[]; writes: { accessKeyId: string; at: string; by: string }[] } {
  const rows = db
    .prepare(
      `SELECT r.id AS rotation_id, r.new_key_id, s.step, s.outcome, s.started_at, s.ended_at
       FROM rotation_steps s JOIN rotations r ON r.id = s.rotation_id
       WHERE s.step IN (3, 4) AND r.new_key_id IS NOT NULL AND r.id IN (SELECT id FROM rotations ORDER BY id DESC LIMIT ?)`,
    )
    .all(limit) as { rotation_id: number; new_key_id: string; step: number; outcome: string; started_at: string; ended_at: string | null }[];
  return {
    uses: rows.filter((r) => r.step === 3).map((r) => ({ accessKeyId: r.new_key_id, from: r.started_at, to: r.ended_at ?? r.started_at })),
    writes: rows.filter((r) => r.step === 4 && r.outcome === "succeeded" && r.ended_at).map((r) => ({ accessKeyId: r.new_key_id, at: r.ended_at!, by: `rotation #${r.rotation_id}` })),
  };
}
