import type { Db } from "../../infra/db/open-db";
import type { GitHubClient, GitHubRepoRef } from "../../integrations/clients";
import { setCommitStatus } from "../../integrations/github/set-commit-status";
import { getJob } from "./job-store";
import { listJobParts } from "./job-parts-store";

/**
 * A newer push superseded jobs; those that were waiting for another platform's worker (they have job parts) had told
 * GitHub "pending, waiting: …". Their commit status becomes a failure saying which services were never built, so
 * the old commit does not look as if a build were still coming. A status GitHub refuses is left as it is: the job
 * page says what happened.
 */
export async function reportSupersededWaiting({ db, github, repo }: { db: Db; github: GitHubClient; repo: GitHubRepoRef }, jobIds: readonly string[]): Promise<void> {
  for (const id of jobIds) {
    const parts = listJobParts(db, id).filter((p) => p.state === "superseded");
    const job = getJob(db, id);
    if (!parts.length || !job) continue;
    const description = `superseded by a newer push: not built ${parts.map((p) => `${p.service} (${p.platform})`).join(", ")}`;
    await setCommitStatus({ octokit: github, repository: `${repo.owner}/${repo.repo}`, sha: job.sha, state: "failure", description }).catch(() => undefined);
  }
}
