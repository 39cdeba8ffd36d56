import { z } from "zod";
import { SafeError } from "../../errors";
import { resolveCommit } from "../../integrations/github/commits";
import { enqueueJob, type PushJob } from "../../jobs/job-store";
import type { OperationContext } from "../context";

export const triggerPushInput = z.union([
  z.object({ ref: z.string().trim().min(1, "Name a branch").max(255).regex(/^[\w./-]+$/, "Not a branch name") }),
  z.object({ sha: z.string().trim().regex(/^[0-9a-f]{7,40}$/i, "A commit SHA is 7 to 40 hex characters") }),
]);
export type TriggerPushInput = z.infer<typeof triggerPushInput>;

/**
 * Queue a push of a branch's head or of one commit, for an operator, a script (POST /api/push) or
 * Deckhand itself. The same queue as webhook pushes: a newer push of a branch supersedes queued ones.
 */
export async function triggerPush(
  { clients, actor, db }: Pick<OperationContext, "clients" | "actor" | "db">,
  input: TriggerPushInput,
  trigger: "manual" | "api" = "manual",
): Promise<{ job: PushJob; duplicate: boolean; superseded: string[] }> {
  const ref = "ref" in input ? input.ref.replace(/^refs\/heads\//, "") : input.sha;
  const commit = await resolveCommit({ github: clients.github, repo: clients.repo, ref });
  if (!commit) throw new SafeError("ref" in input ? `GitHub has no branch or ref "${ref}" in this repository.` : `GitHub has no commit ${ref} in this repository.`, "not-found");
  const branch = "ref" in input ? ref : null;
  const out = enqueueJob(db, { sha: commit.sha, branch, ref: branch ? `refs/heads/${branch}` : null, trigger, requestedBy: actor.login });
  return out.kind === "duplicate" ? { job: out.job, duplicate: true, superseded: [] } : { job: out.job, duplicate: false, superseded: out.superseded };
}
