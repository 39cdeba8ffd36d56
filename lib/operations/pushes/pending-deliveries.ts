import type { Db } from "../../infra/db/open-db";
import { getAcceptedHead, setAcceptedHead } from "./branch-heads";
import { enqueueJob } from "./job-store";
import type { ForwardDecision } from "../../judgements/push/decide-forward-move";

/**
 * Push deliveries between "verified and recorded" and "queued or ignored": the store side of the forward-only
 * check (process-pending-deliveries.ts does the GitHub side). One delivery is checked at a time across all
 * processes (app, workers), under a lease, so each decision sees the branch's accepted commit as the previous
 * decision left it.
 */

export interface PendingDelivery {
  id: string;
  sha: string;
  branch: string;
  ref: string;
  attempts: number;
  /** owner/name; null: the default repository. */
  repository: string | null;
}

/** Whether any pending delivery is due: a plain read, so idle callers (every worker poll) take no write lock. */
export function hasDuePendingDelivery(db: Db, now = Date.now()): boolean {
  return (
    db.prepare(`SELECT 1 FROM webhook_deliveries WHERE outcome = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?) LIMIT 1`).get(now) !==
    undefined
  );
}

/** Takes the oldest due pending delivery for `owner`, unless another process is checking one right now. */
export function leaseNextPendingDelivery(db: Db, { owner, leaseMs = 60_000, now = Date.now() }: { owner: string; leaseMs?: number; now?: number }): PendingDelivery | null {
  return db
    .transaction((): PendingDelivery | null => {
      const busy = db.prepare(`SELECT 1 FROM webhook_deliveries WHERE outcome = 'pending' AND lease_until > ? AND lease_owner != ? LIMIT 1`).get(now, owner);
      if (busy) return null;
      const row = db
        .prepare(
          `SELECT id, sha, branch, ref, attempts, repository FROM webhook_deliveries
           WHERE outcome = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY received_at, rowid LIMIT 1`,
        )
        .get(now) as PendingDelivery | undefined;
      if (!row) return null;
      db.prepare(`UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?`).run(owner, now + leaseMs, row.id);
      return row;
    })
    .immediate();
}

export type FinishOutcome =
  | { kind: "enqueued"; jobId: string; superseded: string[] }
  | { kind: "duplicate"; jobId: string }
  | { kind: "ignored" }
  /** The branch's accepted commit changed while GitHub was asked (an operator's push): decide again. */
  | { kind: "base-moved" }
  /** The lease was lost (this process was too slow); another process decides. */
  | { kind: "lease-lost" };

/**
 * Applies a decision in one IMMEDIATE transaction: accepted, the job is queued (superseding older queued jobs of the
 * branch: it is verified newer), the branch's accepted commit moves to it, and the delivery says "enqueued" and why;
 * ignored, the delivery says "ignored" and why, and nothing is queued.
 */
export function finishPendingDelivery(
  db: Db,
  { delivery, owner, decision, base, now = new Date() }: { delivery: PendingDelivery; owner: string; decision: Exclude<ForwardDecision, { action: "compare" }>; base: string | null; now?: Date },
): FinishOutcome {
  return db
    .transaction((): FinishOutcome => {
      const row = db.prepare(`SELECT outcome, lease_owner FROM webhook_deliveries WHERE id = ?`).get(delivery.id) as { outcome: string; lease_owner: string | null } | undefined;
      if (!row || row.outcome !== "pending" || row.lease_owner !== owner) return { kind: "lease-lost" };
      if (getAcceptedHead(db, delivery.branch, delivery.repository) !== base) return { kind: "base-moved" };
      const done = (outcome: string, reason: string, jobId: string | null) =>
        db
          .prepare(`UPDATE webhook_deliveries SET outcome = ?, reason = ?, job_id = ?, processed_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?`)
          .run(outcome, reason, jobId, now.toISOString(), delivery.id);
      if (decision.action === "ignore") {
        done("ignored", `${decision.reason}: ${decision.detail}`, null);
        return { kind: "ignored" };
      }
      const queued = enqueueJob(
        db,
        { sha: delivery.sha, branch: delivery.branch, ref: delivery.ref, trigger: "webhook", requestedBy: "github", deliveryId: delivery.id, repository: delivery.repository },
        now,
      );
      setAcceptedHead(db, { branch: delivery.branch, repository: delivery.repository, sha: delivery.sha, jobId: queued.job.id, now });
      if (queued.kind === "duplicate") {
        done("duplicate", `commit ${delivery.sha.slice(0, 7)} is already queued`, queued.job.id);
        return { kind: "duplicate", jobId: queued.job.id };
      }
      done("enqueued", `${decision.why}${queued.superseded.length ? `; superseded ${queued.superseded.length} queued job(s)` : ""}`, queued.job.id);
      return { kind: "enqueued", jobId: queued.job.id, superseded: queued.superseded };
    })
    .immediate();
}

/** GitHub could not be asked: try again later (backoff up to five minutes), saying why on the delivery. */
export function deferPendingDelivery(db: Db, { delivery, owner, error, now = Date.now() }: { delivery: PendingDelivery; owner: string; error: string; now?: number }): void {
  const wait = Math.min(300_000, 2000 * 2 ** Math.min(delivery.attempts, 8));
  db.prepare(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, reason = ?, lease_owner = NULL, lease_until = NULL
     WHERE id = ? AND outcome = 'pending' AND lease_owner = ?`,
  ).run(now + wait, `waiting to check with GitHub (attempt ${delivery.attempts + 1}): ${error}`, delivery.id, owner);
}
