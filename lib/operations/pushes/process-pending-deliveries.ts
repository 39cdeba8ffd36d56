import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { GitHubClient, GitHubRepoRef } from "../../integrations/clients";
import type { Db } from "../../infra/db/open-db";
import { compareCommits, getBranchHead } from "../../integrations/github/compare";
import { getAcceptedHead } from "./branch-heads";
import { decideForwardMove } from "../../judgements/push/decide-forward-move";
import { reportSupersededWaiting } from "./report-superseded-waiting";
import { deferPendingDelivery, finishPendingDelivery, hasDuePendingDelivery, leaseNextPendingDelivery, type FinishOutcome } from "./pending-deliveries";

const OWNER = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;

let running: Promise<number> | null = null;

/**
 * Checks recorded push deliveries against GitHub and queues those that move their branch forward (decideForwardMove),
 * one at a time, oldest first; an old or replayed body is marked ignored with the reason and queues nothing.
 * Runs after a webhook is answered (never before: the answer stays a signature check and one insert), on every
 * worker claim, and every few seconds in the app, so a delivery GitHub could not be asked about is retried.
 * Concurrent calls in one process share one run. Returns how many deliveries were decided.
 */
export function processPendingDeliveries(ctx: { db: Db; github: GitHubClient; repo: GitHubRepoRef }, { max = 50 }: { max?: number } = {}): Promise<number> {
  if (!hasDuePendingDelivery(ctx.db)) return Promise.resolve(0);
  running ??= run(ctx, max).finally(() => (running = null));
  return running;
}

/** The repository a delivery is about: its own (several repositories), or the default one (`repo`) when it names none. */
function repoOf(delivery: { repository: string | null }, fallback: GitHubRepoRef): GitHubRepoRef {
  if (!delivery.repository) return fallback;
  const [owner, name] = delivery.repository.split("/");
  return { owner, repo: name };
}

async function run({ db, github, repo: defaultRepo }: { db: Db; github: GitHubClient; repo: GitHubRepoRef }, max: number): Promise<number> {
  let decided = 0;
  while (decided < max) {
    const delivery = leaseNextPendingDelivery(db, { owner: OWNER });
    if (!delivery) break;
    const repo = repoOf(delivery, defaultRepo);
    try {
      const branchHead = await getBranchHead({ github, repo, branch: delivery.branch });
      let outcome: FinishOutcome = { kind: "base-moved" };
      for (let round = 0; round < 3 && outcome.kind === "base-moved"; round++) {
        const base = getAcceptedHead(db, delivery.branch, delivery.repository);
        let decision = decideForwardMove({ sha: delivery.sha, branch: delivery.branch, branchHead, lastAccepted: base });
        if (decision.action === "compare") {
          const comparison = await compareCommits({ github, repo, base: decision.base, head: delivery.sha });
          decision = decideForwardMove({ sha: delivery.sha, branch: delivery.branch, branchHead, lastAccepted: base, comparison });
        }
        if (decision.action === "compare") throw new Error("a comparison was asked for twice");
        outcome = finishPendingDelivery(db, { delivery, owner: OWNER, decision, base });
      }
      if (outcome.kind === "enqueued" && outcome.superseded.length) await reportSupersededWaiting({ db, github, repo }, outcome.superseded);
      decided++;
    } catch (err) {
      const status = (err as { status?: number }).status;
      deferPendingDelivery(db, { delivery, owner: OWNER, error: status ? `GitHub answered ${status}` : `GitHub unreachable (${(err as Error).message})` });
      // GitHub is failing: the rest waits for the next run rather than failing one by one now.
      break;
    }
  }
  return decided;
}

/** In the app: decide pending deliveries every `everyMs` (retries, and deliveries a restart interrupted). */
export function startPendingDeliveryProcessor(getCtx: () => { db: Db; github: GitHubClient; repo: GitHubRepoRef }, everyMs = 5000): () => void {
  const timer = setInterval(() => {
    processPendingDeliveries(getCtx()).catch((err: Error) => console.error(`[deckhand] checking webhook deliveries: ${err.message}`));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
