import fs from "node:fs/promises";
import path from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Octokit } from "@octokit/rest";
import { checkoutCommit, type Checkout } from "./checkout-commit";
import { detectBuilder, type Builder } from "./detect-builder";
import { pushService, type ServiceOutcome } from "./push-service";
import { ComposeError, readCompose } from "./read-compose";
import { setCommitStatus } from "./set-commit-status";
import { summarizeOutcomes } from "./summarize-outcomes";

export interface PushJobResult {
  state: "succeeded" | "skipped" | "failed" | "cancelled";
  /** One line for the job list: the summary, or why the job failed as a whole. */
  message: string;
  commit?: string;
  composeFile?: string;
  services: ServiceOutcome[];
  /** Set when the commit status could not be posted; the job's own result stands. */
  statusError?: string;
}

/**
 * What a worker does with one claimed job (issue 7, "What a job does"): check the commit out, read the compose file,
 * push every built service that changed, and report on the commit. Job-level failures (no builder, fetch, compose
 * file) come back as a failed result naming the cause; each service's failure stays its own.
 */
export async function runPushJob({
  repository,
  remoteUrl,
  commit,
  composePath,
  prefix,
  ecr,
  octokit,
  token,
  mirrorsDir,
  workRoot,
  detect = () => detectBuilder(),
  targetUrl,
  onLog = () => {},
  signal,
}: {
  /** "owner/name", for commit statuses. */
  repository: string;
  remoteUrl: string;
  commit: string;
  composePath?: string;
  prefix?: string;
  ecr: ECRClient;
  /** Without it no commit status is set. */
  octokit?: Octokit;
  token?: string;
  mirrorsDir: string;
  /** This job's scratch directory; removed at the end. */
  workRoot: string;
  detect?: () => Promise<Builder>;
  targetUrl?: string;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}): Promise<PushJobResult> {
  let statusError: string | undefined;
  const status = async (sha: string, state: "pending" | "success" | "failure", description: string) => {
    if (!octokit) return;
    try {
      await setCommitStatus({ octokit, repository, sha, state, description, targetUrl });
    } catch (err) {
      statusError = `could not set commit status: ${(err as Error).message}`;
      onLog(statusError);
    }
  };
  const fail = async (message: string, sha?: string, extra: Partial<PushJobResult> = {}): Promise<PushJobResult> => {
    onLog(message);
    if (sha) await status(sha, "failure", message);
    return { state: "failed", message, commit: sha, services: [], ...extra, statusError };
  };

  const isSha = /^[0-9a-f]{40}$/.test(commit);
  let builder: Builder;
  try {
    builder = await detect();
  } catch (err) {
    return fail((err as Error).message, isSha ? commit : undefined);
  }
  if (isSha) await status(commit, "pending", "building");

  let checkout: Checkout | undefined;
  await fs.mkdir(workRoot, { recursive: true });
  try {
    try {
      checkout = await checkoutCommit({ mirrorsDir, remoteUrl, token, commit, into: path.join(workRoot, "checkout"), onLog });
    } catch (err) {
      return await fail(`cannot fetch ${commit}: ${(err as Error).message}`, isSha ? commit : undefined);
    }
    const sha = checkout.commit;
    if (!isSha) await status(sha, "pending", "building");

    let plan;
    try {
      plan = await readCompose({ root: checkout.dir, composePath, prefix });
    } catch (err) {
      if (err instanceof ComposeError) return await fail(err.message, sha, { composeFile: err.file });
      throw err;
    }
    onLog(`${plan.file}: building ${plan.builds.map((b) => `${b.service} → ${b.repositoryName}`).join(", ") || "nothing"}`);

    const services: ServiceOutcome[] = [];
    for (const build of plan.builds) {
      if (signal?.aborted) break;
      services.push(await pushService({ ecr, builder, checkout: checkout.dir, commit: sha, build, workRoot: path.join(workRoot, "build"), onLog, signal }));
    }
    if (signal?.aborted) {
      onLog("cancelled");
      await status(sha, "failure", "cancelled");
      return { state: "cancelled", message: "cancelled", commit: sha, composeFile: plan.file, services, statusError };
    }
    const summary = summarizeOutcomes(services);
    await status(sha, summary.status.state, summary.status.description);
    onLog(summary.status.description);
    return { state: summary.state, message: summary.status.description, commit: sha, composeFile: plan.file, services, statusError };
  } finally {
    await checkout?.dispose().catch(() => undefined);
    await fs.rm(workRoot, { recursive: true, force: true });
  }
}
