// Who signed a repository's last ECR workflow run (lib/judgements/fleet/run-signer.ts): CloudTrail LookupEvents over
// the minutes the run took. CloudTrail allows 2 LookupEvents per second per account and region, and the posture's
// own CloudTrail reads need that budget: these lookups go one at a time (a Fleet of 200 repositories must not fire
// 200 at once), and a found signer is kept for an hour (a finished run's calls do not change).

import { lookupEventsInWindow } from "../integrations/aws/cloudtrail";
import { callApi, type Part } from "../failures";
import { findRunSigner, RUN_WINDOW_SLACK_MS, type RunSigner } from "../judgements/fleet/run-signer";
import type { LastRunView } from "../judgements/fleet/last-ecr-run";
import { readPart, repoKey, type ReadContext } from "./context";

/** A run longer than this is not looked at: the window would hold every other run's calls too. */
const MAX_RUN_MS = 2 * 60 * 60_000;
/** How long an answer is kept: a finished run's calls do not change once CloudTrail has delivered them. */
const SIGNER_TTL_MS = 60 * 60_000;
/** CloudTrail delivers an event within about 15 minutes of the call: "nobody signed" is asked again until then. */
const DELIVERY_MS = 15 * 60_000;

let queue: Promise<unknown> = Promise.resolve();
/** Run `load` after every lookup queued before it (one LookupEvents sequence at a time in this process). */
function oneAtATime<T>(load: () => Promise<T>): Promise<T> {
  const next = queue.then(load, load);
  queue = next.catch(() => undefined);
  return next;
}

/**
 * The IAM user whose key signed the AWS calls of a finished run (see findRunSigner), or null when none, several, or
 * the run is too long to tell. Calls: CloudTrail LookupEvents without a lookup attribute over the run's window (± 1
 * minute), newest first, at most 500 events. CloudTrail delivers events minutes after the call: "nobody signed" for a
 * run that ended less than 15 minutes ago is not kept, so a later read looks again; other answers are kept an hour.
 * A failed call is the part's failure (CallFailure naming LookupEvents), not kept.
 */
export async function readRunSigner(ctx: Pick<ReadContext, "clients" | "cache" | "now">, run: LastRunView): Promise<Part<RunSigner>> {
  // Not under the posture prefix: a Refresh or a rotation re-judges the rows, but who signed a past run stays true.
  const key = `cloudtrail:run-signer:${repoKey(ctx)}:${run.id}|`;
  const part = await readPart(ctx, key, SIGNER_TTL_MS, ["CloudTrail LookupEvents (the run's minutes)"], () =>
    oneAtATime(async () => {
      const start = Date.parse(run.createdAt) - RUN_WINDOW_SLACK_MS;
      const end = Date.parse(run.updatedAt ?? run.createdAt) + RUN_WINDOW_SLACK_MS;
      if (!Number.isFinite(start) || !Number.isFinite(end) || end - start > MAX_RUN_MS) return null;
      const events = await callApi("cloudtrail", "LookupEvents", () => lookupEventsInWindow({ cloudtrail: ctx.clients.aws.cloudtrail, start: new Date(start), end: new Date(end) }));
      return findRunSigner(run, events);
    }),
  );
  const ended = Date.parse(run.updatedAt ?? run.createdAt);
  const now = (ctx.now?.() ?? new Date()).getTime();
  if (part.ok && part.data === null && !(now - ended > DELIVERY_MS)) ctx.cache.invalidate(key);
  return part;
}
