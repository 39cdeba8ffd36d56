import type { Db } from "../../infra/db/open-db";
import { answerWebhook } from "../../judgements/push/answer-webhook";
import { getWebhookPushes } from "../settings/webhook-pushes";
import { repositoryWhere, type RepositoryFilter } from "./job-store";

/** Why a push delivery queues nothing while webhook pushes are off (Settings). */
export const WEBHOOK_PUSHES_OFF = "Deckhand's webhook pushes are turned off in Settings: the repository's workflow is the pusher";

export { MAX_WEBHOOK_BODY_BYTES } from "../../judgements/push/answer-webhook";

export interface DeliveryRequest {
  event: string | null;
  deliveryId: string | null;
  signature: string | null;
  contentType?: string | null;
  rawBody: Uint8Array;
}

export interface DeliveryResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface DeliverySettings {
  secret: string | undefined;
  /** The configured repository, or every configured one, the default first (its deliveries are stored without a name). */
  repository: string | readonly string[];
  branch: string | undefined;
}

/**
 * Verify over the raw bytes, record, answer (the decision itself is answerWebhook's). No AWS, GitHub or build work
 * happens here, so the answer comes in milliseconds. A push to the built branch is recorded as "pending": whether it
 * moves the branch forward needs GitHub (a signed body can be an old one replayed), so processPendingDeliveries
 * decides right after the answer and queues the job, or ignores the delivery with the reason.
 * Deliveries that fail verification are not recorded: anyone can send them.
 */
export function receiveGitHubDelivery(db: Db, settings: DeliverySettings, req: DeliveryRequest, now = new Date()): DeliveryResponse {
  // One IMMEDIATE transaction: two copies of a delivery arriving together cannot both enqueue.
  return db
    .transaction((): DeliveryResponse => {
      const answer = answerWebhook({
        secret: settings.secret,
        rawBody: req.rawBody,
        headers: { signature: req.signature, event: req.event, delivery: req.deliveryId, contentType: req.contentType },
        seenDelivery: (id) => db.prepare(`SELECT 1 FROM webhook_deliveries WHERE id = ?`).get(id) !== undefined,
        repository: settings.repository,
        branch: settings.branch,
      });
      const deliveryId = req.deliveryId?.trim() ?? "";
      const record = (outcome: string, reason: string | null, extra: { ref?: string | null; sha?: string | null; branch?: string | null; repository?: string } = {}) =>
        db
          .prepare(`INSERT INTO webhook_deliveries (id, event, received_at, outcome, reason, ref, sha, branch, body_bytes, repository) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(deliveryId, req.event ?? "", now.toISOString(), outcome, reason, extra.ref ?? null, extra.sha ?? null, extra.branch ?? null, req.rawBody.byteLength, storedRepository(settings, extra.repository));

      switch (answer.outcome) {
        case "too-large":
        case "unconfigured":
        case "unauthorized":
        case "bad-request":
          return { status: answer.status, body: { error: answer.reason } };
        case "duplicate":
          return { status: 200, body: { outcome: "duplicate", reason: answer.reason } };
        case "pong":
          record("pong", null);
          return { status: 200, body: { outcome: "pong" } };
        case "ignored": {
          const d = answer.decision?.action === "ignore" ? answer.decision : undefined;
          record("ignored", answer.reason);
          return { status: answer.status, body: { outcome: "ignored", reason: d?.reason, detail: d?.detail } };
        }
        case "enqueue": {
          if (answer.decision?.action !== "enqueue") throw new Error("enqueue answer without a push decision");
          const d = answer.decision;
          if (!getWebhookPushes(db)) {
            record("ignored", WEBHOOK_PUSHES_OFF, { ref: d.ref, sha: d.sha, branch: d.branch, repository: d.repository });
            return { status: 200, body: { outcome: "ignored", reason: "pushes-off", detail: WEBHOOK_PUSHES_OFF } };
          }
          const reason = `checking that ${d.sha.slice(0, 7)} moves ${d.branch} forward`;
          record("pending", reason, { ref: d.ref, sha: d.sha, branch: d.branch, repository: d.repository });
          return { status: 202, body: { outcome: "pending", reason } };
        }
      }
    })
    .immediate();
}

/** How deliveries and jobs name a repository: NULL for the default (first configured) one, as rows from before. */
function storedRepository(settings: Pick<DeliverySettings, "repository">, repository: string | undefined): string | null {
  if (!repository) return null;
  const first = typeof settings.repository === "string" ? settings.repository : settings.repository[0];
  return first && first.toLowerCase() === repository.toLowerCase() ? null : repository;
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
  /** owner/name; null: the default repository. */
  repository: string | null;
}

/** The newest deliveries, of one repository when `repository` says which (NULL rows are the default repository's). */
export function listDeliveries(db: Db, limit = 50, repository?: RepositoryFilter): DeliveryRow[] {
  const where = repositoryWhere(repository);
  return db
    .prepare(`SELECT * FROM webhook_deliveries WHERE ${where.sql} ORDER BY received_at DESC, rowid DESC LIMIT ?`)
    .all(...where.args, Math.min(Math.max(limit, 1), 500)) as DeliveryRow[];
}
