import type { Db } from "../db/open-db";
import { classifyPushEvent } from "../push/classify-push-event";
import { verifyWebhookSignature } from "../push/verify-webhook-signature";
import { enqueueJob } from "../jobs/job-store";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export interface DeliveryRequest {
  event: string | null;
  deliveryId: string | null;
  signature: string | null;
  rawBody: Uint8Array;
}

export interface DeliveryResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface DeliverySettings {
  secret: string | undefined;
  repository: string;
  branch: string | undefined;
}

const DELIVERY_ID = /^[0-9A-Za-z-]{1,64}$/;

/**
 * Verify over the raw bytes, record, enqueue, answer. No AWS, GitHub or build work happens here, so the
 * answer comes in milliseconds; the worker does the rest.
 */
export function receiveGitHubDelivery(db: Db, settings: DeliverySettings, req: DeliveryRequest, now = new Date()): DeliveryResponse {
  if (!settings.secret) return { status: 503, body: { error: "Webhook secret not configured: set GITHUB_WEBHOOK_SECRET" } };
  const verdict = verifyWebhookSignature({ secret: settings.secret, rawBody: req.rawBody, signatureHeader: req.signature });
  if (!verdict.ok) return { status: 401, body: { error: "Invalid or missing X-Hub-Signature-256" } };
  if (!req.deliveryId || !DELIVERY_ID.test(req.deliveryId)) return { status: 400, body: { error: "Missing or invalid X-GitHub-Delivery" } };
  if (!req.event) return { status: 400, body: { error: "Missing X-GitHub-Event" } };

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(req.rawBody).toString("utf8"));
  } catch {
    return { status: 400, body: { error: "Body is not valid JSON" } };
  }

  return db
    .transaction((): DeliveryResponse => {
      const seen = db.prepare(`SELECT outcome, job_id FROM webhook_deliveries WHERE id = ?`).get(req.deliveryId) as { outcome: string; job_id: string | null } | undefined;
      if (seen) return { status: 200, body: { outcome: "duplicate", of: seen.outcome, jobId: seen.job_id } };

      const decision = classifyPushEvent({ event: req.event, payload, repository: settings.repository, branch: settings.branch });
      const record = (outcome: string, reason: string | null, extra: { ref?: string | null; sha?: string | null; jobId?: string | null } = {}) =>
        db
          .prepare(`INSERT INTO webhook_deliveries (id, event, received_at, outcome, reason, ref, sha, job_id, body_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(req.deliveryId, req.event, now.toISOString(), outcome, reason, extra.ref ?? null, extra.sha ?? null, extra.jobId ?? null, req.rawBody.byteLength);

      const p = payload as { ref?: unknown; after?: unknown };
      const ref = typeof p?.ref === "string" ? p.ref : null;
      const after = typeof p?.after === "string" ? p.after : null;
      if (decision.action === "pong") {
        record("pong", null);
        return { status: 200, body: { outcome: "pong" } };
      }
      if (decision.action === "ignore") {
        record("ignored", `${decision.reason}: ${decision.detail}`, { ref, sha: after });
        return { status: decision.reason === "other-event" ? 202 : 200, body: { outcome: "ignored", reason: decision.reason, detail: decision.detail } };
      }
      const queued = enqueueJob(db, { sha: decision.sha, branch: decision.branch, ref: decision.ref, trigger: "webhook", requestedBy: "github", deliveryId: req.deliveryId }, now);
      if (queued.kind === "duplicate") {
        record("duplicate", `commit ${decision.sha.slice(0, 7)} is already queued`, { ref, sha: decision.sha, jobId: queued.job.id });
        return { status: 200, body: { outcome: "duplicate", jobId: queued.job.id } };
      }
      record("enqueued", queued.superseded.length ? `superseded ${queued.superseded.length} queued job(s)` : null, { ref, sha: decision.sha, jobId: queued.job.id });
      return { status: 202, body: { outcome: "enqueued", jobId: queued.job.id, superseded: queued.superseded } };
    })
    .immediate();
}

export interface DeliveryRow {
  id: string;
  event: string;
  received_at: string;
  outcome: string;
  reason: string | null;
  ref: string | null;
  sha: string | null;
  job_id: string | null;
  body_bytes: number;
}

export function listDeliveries(db: Db, limit = 50): DeliveryRow[] {
  return db.prepare(`SELECT * FROM webhook_deliveries ORDER BY received_at DESC, rowid DESC LIMIT ?`).all(Math.min(Math.max(limit, 1), 500)) as DeliveryRow[];
}
