import type { ServiceOutcome } from "./service-outcome";
import { shortRefusal } from "./decide-ecr-owner";

export interface JobSummary {
  state: "succeeded" | "skipped" | "failed";
  /** For the GitHub commit status deckhand/ecr-push. */
  status: { state: "success" | "failure"; description: string };
}

/**
 * The job's result and commit status from its services: any failure fails it; all unchanged is "skipped". A job that
 * built nothing (no service, or every service not built) is a failure saying so, never a success: a compose file
 * Deckhand reads differently from the team must not look like "nothing changed".
 */
export function summarizeOutcomes(outcomes: Array<Pick<ServiceOutcome, "service" | "result"> & Partial<Pick<ServiceOutcome, "reason" | "error">>>): JobSummary {
  const by = (r: ServiceOutcome["result"]) => outcomes.filter((o) => o.result === r).map((o) => o.service);
  // A service refused its ECR repository (issue 16) says why in the status: it is not a build failure to look into.
  const failed = outcomes
    .filter((o) => o.result === "failed")
    .map((o) => (o.reason === "ecr-repository-refused" && o.error ? `${o.service} (${shortRefusal(o.error)})` : o.service));
  const pushed = by("pushed");
  const skipped = by("skipped");
  const notBuilt = by("not-built");
  const parts = [
    pushed.length ? `pushed ${pushed.join(", ")}` : "",
    skipped.length ? `unchanged ${skipped.join(", ")}` : "",
    failed.length ? `failed ${failed.join(", ")}` : "",
    notBuilt.length ? `not built ${notBuilt.join(", ")}` : "",
  ].filter(Boolean);
  // GitHub truncates descriptions at 140 characters.
  const clip = (s: string) => (s.length > 140 ? s.slice(0, 139) + "…" : s);
  if (outcomes.length === 0) return { state: "failed", status: { state: "failure", description: "no service to build: the compose file defines none" } };
  if (notBuilt.length === outcomes.length) {
    return { state: "failed", status: { state: "failure", description: clip(`no service to build: not built ${notBuilt.join(", ")}`) } };
  }
  if (failed.length) return { state: "failed", status: { state: "failure", description: clip(parts.join("; ")) } };
  if (pushed.length === 0) return { state: "skipped", status: { state: "success", description: clip(["unchanged: " + skipped.join(", "), parts.slice(1).join("; ")].filter(Boolean).join("; ")) } };
  return { state: "succeeded", status: { state: "success", description: clip(parts.join("; ")) } };
}
