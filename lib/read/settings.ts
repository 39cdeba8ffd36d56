// The Settings and Audit pages: Deckhand's own store, no AWS or GitHub call.

import { getThresholds, type Thresholds } from "../operations/settings/thresholds";
import { getWebhookPushes } from "../operations/settings/webhook-pushes";
import { getGraceDays } from "../operations/oidc/grace-days";
import { listAudit, type AuditOutcome } from "../infra/audit/record-audit";
import type { ReadContext } from "./context";

/** The key thresholds the Credentials, Overview and Doctor pages judge by. */
export function readThresholds(ctx: Pick<ReadContext, "db">): Thresholds {
  return getThresholds(ctx.db);
}

/** Whether GitHub's push webhook makes Deckhand build and push (Settings). */
export function readWebhookPushes(ctx: Pick<ReadContext, "db">): boolean {
  return getWebhookPushes(ctx.db);
}

/** Days the access key must go unused after the OIDC role is proven, before retiring it is offered (default 7). */
export function readOidcGraceDays(ctx: Pick<ReadContext, "db">): number {
  return getGraceDays(ctx.db);
}

const AUDIT_PAGE = 50;
export const AUDIT_OUTCOMES: AuditOutcome[] = ["success", "refused", "failure"];

/** One page of the audit log for the page's query (outcome, actor, before: the id to page back from); malformed values are dropped. */
export function readAuditPage(ctx: Pick<ReadContext, "db">, searchParams: { before?: string; outcome?: string; actor?: string }) {
  const outcome = AUDIT_OUTCOMES.find((o) => o === searchParams.outcome);
  const beforeId = searchParams.before && /^\d+$/.test(searchParams.before) ? Number(searchParams.before) : undefined;
  const actor = searchParams.actor && /^[\w().-]{1,64}$/.test(searchParams.actor) ? searchParams.actor : undefined;
  const rows = listAudit(ctx.db, { limit: AUDIT_PAGE + 1, beforeId, outcome, actor });
  return { outcome, actor, rows: rows.slice(0, AUDIT_PAGE), more: rows.length > AUDIT_PAGE };
}
