import { z } from "zod";
import { SafeError } from "../../errors";
import { checkBranchName } from "../../judgements/push/check-branch-name";
import { repositoryVisible, resolveCommit } from "../../integrations/github/commits";
import { repositoryNotFoundReason } from "../../judgements/posture/push-readiness";
import { setAcceptedHead } from "./branch-heads";
import { enqueueJob, type PushJob } from "./job-store";
import { reportSupersededWaiting } from "./report-superseded-waiting";
import type { OperationContext } from "../context";

export const triggerPushInput = z.union([
  z.object({
    // Checked as a git branch name before anything asks GitHub about it: "." or ".." would reach GitHub's URL
    // routing as path segments, "HEAD" would queue a job on a branch called HEAD.
    ref: z
      .string()
      .trim()
      .min(1, "Name a branch")
      .transform((r) => r.replace(/^refs\/heads\//, ""))
      .superRefine((r, ctx) => {
        const problem = checkBranchName(r);
        if (problem) ctx.addIssue({ code: "custom", message: `Not a branch name: "${r.slice(0, 80)}" ${problem}` });
      }),
  }),
  z.object({ sha: z.string().trim().regex(/^[0-9a-f]{7,40}$/i, "A commit SHA is 7 to 40 hex characters") }),
]);
export type TriggerPushInput = z.infer<typeof triggerPushInput>;

/**
 * How jobs and branch heads name `repo`: null for the default (first configured) repository, as rows from before
 * several repositories (and as webhook jobs name it), else owner/name as configured.
 */
export function storedRepositoryName(config: Pick<OperationContext["config"], "github">, repo: { owner: string; repo: string }): string | null {
  const name = `${repo.owner}/${repo.repo}`;
  if (name.toLowerCase() === config.github.repository.toLowerCase()) return null;
  return config.github.repositories.find((r) => r.repository.toLowerCase() === name.toLowerCase())?.repository ?? name;
}

/**
 * Queue a push of a branch's head or of one commit of `clients.repo` (the repository the operator's page shows; the
 * default one for scripts and the setup), for an operator, a script (POST /api/push) or Deckhand itself. The same
 * queue as webhook pushes: a newer push of a branch of that repository supersedes its queued ones. The job names the
 * repository, so the worker fetches it there and sets the commit status on it.
 */
export async function triggerPush(
  { clients, actor, db, config }: Pick<OperationContext, "clients" | "actor" | "db" | "config">,
  input: TriggerPushInput,
  trigger: "manual" | "api" = "manual",
): Promise<{ job: PushJob; duplicate: boolean; superseded: string[] }> {
  const ref = "ref" in input ? input.ref.replace(/^refs\/heads\//, "") : input.sha;
  const commit = await resolveCommit({ github: clients.github, repo: clients.repo, ref });
  if (!commit) {
    // GitHub answers 404 for the commit alike when the whole repository is missing or hidden from the token: say
    // which, rather than "no branch main" in a repository nobody can see.
    if (!(await repositoryVisible({ github: clients.github, repo: clients.repo }))) throw new SafeError(repositoryNotFoundReason(`${clients.repo.owner}/${clients.repo.repo}`), "not-found");
    const where = `${clients.repo.owner}/${clients.repo.repo}`;
    throw new SafeError("ref" in input ? `GitHub has no branch or ref "${ref}" in ${where}.` : `GitHub has no commit ${ref} in ${where}.`, "not-found");
  }
  const branch = "ref" in input ? ref : null;
  // A branch's head, asked for by an operator: it becomes the branch's accepted commit, the base later webhook
  // deliveries are compared with (decideForwardMove). A bare commit is a deliberate pick and moves nothing.
  const repository = storedRepositoryName(config, clients.repo);
  // IMMEDIATE: it reads (a duplicate, the branch's head) then writes, while the worker process writes too; a deferred
  // transaction whose snapshot another process wrote past fails at once with SQLITE_BUSY ("database is locked").
  const out = db.transaction(() => {
    const queued = enqueueJob(db, { sha: commit.sha, branch, ref: branch ? `refs/heads/${branch}` : null, trigger, requestedBy: actor.login, repository });
    if (branch) setAcceptedHead(db, { branch, repository, sha: commit.sha, jobId: queued.job.id });
    return queued;
  }).immediate();
  if (out.kind === "duplicate") return { job: out.job, duplicate: true, superseded: [] };
  await reportSupersededWaiting({ db, github: clients.github, repo: clients.repo }, out.superseded);
  return { job: out.job, duplicate: false, superseded: out.superseded };
}
