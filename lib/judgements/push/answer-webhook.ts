import { classifyPushEvent, type PushEventDecision } from "./classify-push-event";
import { verifyWebhookSignature } from "./verify-webhook-signature";

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones; anything bigger is not from GitHub. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

export type WebhookOutcome =
  | "enqueue"
  | "pong"
  | "ignored"
  | "duplicate"
  | "unconfigured"
  | "too-large"
  | "unauthorized"
  | "bad-request";

export interface WebhookAnswer {
  status: number;
  outcome: WebhookOutcome;
  /** Recorded with the delivery and shown on the Pushes page. */
  reason: string;
  decision?: PushEventDecision;
}

/**
 * The whole answer to POST /api/webhooks/github, decided before any work: size, then the secret (fail closed),
 * then the signature over the raw bytes, then idempotency on X-GitHub-Delivery, and only then parsing and
 * classification. The route records the delivery and enqueues when outcome is "enqueue".
 */
export function answerWebhook({
  secret,
  rawBody,
  headers,
  seenDelivery,
  repository,
  branch,
}: {
  secret: string | undefined | null;
  rawBody: Uint8Array;
  headers: { signature?: string | null; event?: string | null; delivery?: string | null; contentType?: string | null };
  /** Whether this X-GitHub-Delivery id was already recorded. */
  seenDelivery: (id: string) => boolean;
  /** The configured "owner/name", or every configured one. */
  repository: string | readonly string[];
  branch?: string | null;
}): WebhookAnswer {
  if (rawBody.length > MAX_WEBHOOK_BODY_BYTES) return { status: 413, outcome: "too-large", reason: `body of ${rawBody.length} bytes exceeds GitHub's 25 MB cap` };
  const verdict = verifyWebhookSignature({ secret, rawBody, signatureHeader: headers.signature });
  if (!verdict.ok && verdict.reason === "no-secret") {
    return { status: 503, outcome: "unconfigured", reason: "GITHUB_WEBHOOK_SECRET is not configured" };
  }
  if (!verdict.ok) return { status: 401, outcome: "unauthorized", reason: `signature ${verdict.reason}` };
  const delivery = headers.delivery?.trim();
  if (!delivery) return { status: 400, outcome: "bad-request", reason: "missing X-GitHub-Delivery" };
  if (seenDelivery(delivery)) return { status: 200, outcome: "duplicate", reason: `delivery ${delivery} already received` };

  const payload = parsePayload(rawBody, headers.contentType);
  if (payload === INVALID) return { status: 400, outcome: "bad-request", reason: "payload is not valid JSON" };
  const decision = classifyPushEvent({ event: headers.event, payload, repository, branch });
  switch (decision.action) {
    case "pong":
      return { status: 200, outcome: "pong", reason: "ping", decision };
    case "enqueue":
      return { status: 202, outcome: "enqueue", reason: `push ${decision.sha.slice(0, 7)} to ${decision.branch}`, decision };
    case "ignore":
      // Other events are accepted and ignored (202); pushes we do not act on are acknowledged (200).
      return { status: decision.reason === "other-event" ? 202 : 200, outcome: "ignored", reason: `${decision.reason}: ${decision.detail}`, decision };
  }
}

const INVALID = Symbol("invalid");

/** JSON, or GitHub's form content type (application/x-www-form-urlencoded with the JSON in `payload`). */
function parsePayload(rawBody: Uint8Array, contentType: string | null | undefined): unknown {
  try {
    const text = Buffer.from(rawBody).toString("utf8");
    if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      const payload = new URLSearchParams(text).get("payload");
      return payload === null ? INVALID : JSON.parse(payload);
    }
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}
