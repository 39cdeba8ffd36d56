// Who signed a repository's last ECR workflow run (lib/judgements/fleet/run-signer.ts): CloudTrail LookupEvents over
// the minutes the run took, one EventSource lookup per service (ecr.amazonaws.com, sts.amazonaws.com).
//
// An answer is only ever made from a delivered, whole window: nothing is asked until the window's end is 15 minutes
// old (CloudTrail may still be delivering; the row says "not yet"), and a lookup that stops at its cap is "cannot
// tell", never a user. CloudTrail allows 2 LookupEvents requests per second per account and Region (CloudTrail API
// Reference, LookupEvents), and the posture's own CloudTrail reads need that budget: every request from here waits
// its turn in one process-wide pace of at most 1 per second, so a Fleet of 200 repositories never fires them back
// to back. A found answer is kept an hour (a finished run's delivered calls do not change), a failure 5 minutes (a
// failing CloudTrail is not asked again on every Fleet view).

import { lookupEventsBySource } from "../integrations/aws/cloudtrail";
import { callApi, CallFailure, describeFailure, failedPart, type Failure, type Part } from "../failures";
import { findRunSigner, planRunSignerLookup, RUN_SOURCES, type RunSigner, type RunSource, type SourceLookup } from "../judgements/fleet/run-signer";
import type { LastRunView } from "../judgements/fleet/last-ecr-run";
import { createPacer } from "../infra/pace";
import { repoKey, type ReadContext } from "./context";

/** How long an answer is kept (ms): a finished run's calls do not change once CloudTrail has delivered them. */
export const SIGNER_TTL_MS = 60 * 60_000;
/** How long a failed lookup is remembered (ms): the row says it could not be read, and CloudTrail is left alone. */
export const SIGNER_FAILURE_TTL_MS = 5 * 60_000;
/** At most one LookupEvents request per this many ms from the signer's lookups: half of CloudTrail's 2 per second. */
export const SIGNER_PACE_MS = 1000;
/** Events read per EventSource lookup before it stops and answers "cannot tell" (10 pages of 50). */
export const SIGNER_MAX_EVENTS = 500;

const pace = createPacer(SIGNER_PACE_MS);

const CALLS = RUN_SOURCES.map((s) => `CloudTrail LookupEvents (EventSource ${s}, the run's minutes)`);

/** What the cache keeps: an answer, or the failure that kept it away; `at` is when (ISO 8601). */
type Outcome = { ok: true; data: RunSigner; at: string } | { ok: false; failure: Failure; at: string };

/**
 * Who signed the AWS calls of a finished run (see findRunSigner), as a part:
 * - `{ state: "not-yet", readyAt }` without any call while the window's end (updatedAt + 1 min) is less than 15 min
 *   old (CLOUDTRAIL_DELIVERY_MS), not cached: asked again on a later read;
 * - otherwise LookupEvents with LookupAttributes EventSource ecr.amazonaws.com, then sts.amazonaws.com, over the
 *   window (StartTime/EndTime), newest first, at most `maxEventsPerSource` (default 500) events each; the first that
 *   stops at that cap makes the answer "too-many-events" (the second is then not asked). Every request waits for the
 *   process-wide pace (1 per second). Kept an hour per repository, run and updatedAt (a re-run attempt is asked
 *   again);
 * - a failed call is the part's failure, naming the call ("CloudTrail LookupEvents (EventSource …) was throttled …"),
 *   kept 5 minutes.
 * null: nobody signed, or the run is too long (2 h) or its times unreadable. Never throws.
 */
export async function readRunSigner(
  ctx: Pick<ReadContext, "clients" | "cache" | "now">,
  run: LastRunView,
  opts: { maxEventsPerSource?: number } = {},
): Promise<Part<RunSigner>> {
  const now = ctx.now?.() ?? new Date();
  const plan = planRunSignerLookup(run, now.getTime());
  if (!plan.lookup) return { ok: true, data: plan.answer, calls: CALLS, asOf: now.toISOString() };
  // Not under the posture prefix: a Refresh or a rotation re-judges the rows, but who signed a past run stays true.
  const key = `cloudtrail:run-signer:${repoKey(ctx)}:${run.id}:${run.updatedAt ?? run.createdAt}|`;
  const outcome = await ctx.cache.get<Outcome>(
    key,
    (o) => (o.ok ? SIGNER_TTL_MS : SIGNER_FAILURE_TTL_MS),
    async (): Promise<Outcome> => {
      const at = () => (ctx.now?.() ?? new Date()).toISOString();
      try {
        const lookups = {} as Record<RunSource, SourceLookup>;
        for (const eventSource of RUN_SOURCES) {
          lookups[eventSource] = await callApi("cloudtrail", `LookupEvents (EventSource ${eventSource})`, () =>
            lookupEventsBySource({
              cloudtrail: ctx.clients.aws.cloudtrail,
              eventSource,
              start: new Date(plan.startMs),
              end: new Date(plan.endMs),
              maxEvents: opts.maxEventsPerSource ?? SIGNER_MAX_EVENTS,
              beforePage: pace,
            }),
          );
          // Cannot tell already: the other service's lookup would not change that.
          if (lookups[eventSource].truncated) return { ok: true, data: findRunSigner(run, { ...EMPTY, ...lookups }), at: at() };
        }
        return { ok: true, data: findRunSigner(run, lookups), at: at() };
      } catch (err) {
        return { ok: false, failure: err instanceof CallFailure ? err.failure : describeFailure(err, "deckhand", "finding who signed the run"), at: at() };
      }
    },
  );
  return outcome.ok ? { ok: true, data: outcome.data, calls: CALLS, asOf: outcome.at } : failedPart(outcome.failure, CALLS);
}

const EMPTY: Record<RunSource, SourceLookup> = { "ecr.amazonaws.com": { events: [], truncated: false }, "sts.amazonaws.com": { events: [], truncated: false } };
