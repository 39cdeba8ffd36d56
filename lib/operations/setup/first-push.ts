// The setup's first push: when the region has never received an image, setup queues the same push a git
// push would (the push verb, given by the setup verbs) and waits for a worker to finish it. Resumable: the job id is
// recorded before waiting, and a resume follows that job (or the one that superseded it) instead of
// queueing another; a job queued twice for one commit is harmless anyway (the second finds `latest` equal).

import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Db } from "../../infra/db/open-db";
import { getJob, type PushJob } from "../pushes/job-store";
import { isTerminal } from "../../judgements/push/job-states";
import { describeAllRepositories } from "../../integrations/aws/ecr";
import { sleep } from "../rotation/retry";

export interface FirstPushOptions {
  timeoutMs: number;
  pollMs: number;
}

export type FirstPushOutcome =
  | { kind: "already-pushed"; repositoriesWithImages: number }
  | { kind: "finished"; job: PushJob }
  | { kind: "not-finished"; job: PushJob };

/** Follow supersession to the job that will actually push this branch. */
function currentJob(ctx: { db: Db }, id: string): PushJob | null {
  let job = getJob(ctx.db, id);
  for (let hops = 0; job && job.state === "superseded" && job.supersededBy && hops < 100; hops++) job = getJob(ctx.db, job.supersededBy);
  return job;
}

export async function pushFirstImages(
  ctx: { db: Db; ecr: ECRClient; triggerPush: (branch: string) => Promise<{ job: PushJob }> },
  input: { branch: string; followJobId?: string; onQueued: (jobId: string) => void },
  options: FirstPushOptions,
): Promise<FirstPushOutcome> {
  let job = input.followJobId ? currentJob(ctx, input.followJobId) : null;
  if (!job) {
    // The canary run's workflow may have pushed already (the guide's workflow does): then there is nothing to add.
    const repos = await describeAllRepositories({ ecr: ctx.ecr });
    const withImages = repos.filter((r) => r.hasImages).length;
    if (withImages > 0) return { kind: "already-pushed", repositoriesWithImages: withImages };
    job = (await ctx.triggerPush(input.branch)).job;
  }
  input.onQueued(job.id);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    job = currentJob(ctx, job.id) ?? job;
    if (isTerminal(job.state)) return { kind: "finished", job };
    if (Date.now() >= deadline) return { kind: "not-finished", job };
    await sleep(options.pollMs);
  }
}
