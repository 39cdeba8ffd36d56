import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { dispatchWorkflow, findWorkflowByName, listWorkflows } from "./workflows";
import { getJobLog, getRun, listJobs, listRuns, rerunFailedJobs, type RunSummary } from "./runs";
import { failingStepError, findFailingStep } from "../../judgements/workflows/failing-step";
import { classifyGuideError } from "../../judgements/guide-errors";

const sbx = sharedTestSandbox();

const gh = () => ({ github: sbx.clients.github, repo: sbx.clients.repo });

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("lib/integrations/github workflows and runs against the sandbox", () => {
  it("finds the ECR workflow by name, file name or loose case", async () => {
    const workflows = await listWorkflows(gh());
    expect(findWorkflowByName(workflows, "Build and Push to AWS ECR")?.path).toBe(".github/workflows/ecr.yml");
    expect(findWorkflowByName(workflows, "ecr.yml")?.name).toBe("Build and Push to AWS ECR");
    expect(findWorkflowByName(workflows, "build and push to aws ecr")).not.toBeNull();
    expect(findWorkflowByName(workflows, "Deploy")).toBeNull();
  });

  it("pages through runs with GitHub's Link header and lists them all", async () => {
    const wf = findWorkflowByName(await listWorkflows(gh()), "Build and Push to AWS ECR")!;
    const first = await listRuns({ ...gh(), workflowId: wf.id, perPage: 10 });
    expect(first.hasNext).toBe(true);
    // Follow the Link header page by page until GitHub says there is no next page.
    const all: RunSummary[] = [];
    let page = first;
    while (true) {
      all.push(...page.runs);
      if (!page.hasNext) break;
      page = await listRuns({ ...gh(), workflowId: wf.id, perPage: 10, page: page.page + 1 });
    }
    expect(all).toHaveLength(first.totalCount);
    expect(page.page).toBe(Math.ceil(first.totalCount / 10));
    // newest first, without repeats
    expect(all.map((r) => Date.parse(r.createdAt))).toEqual([...all.map((r) => Date.parse(r.createdAt))].sort((a, b) => b - a));
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
  });

  it("filters by conclusion, branch and event", async () => {
    const failed = await listRuns({ ...gh(), filters: { status: "failure" }, perPage: 100 });
    expect(failed.runs.length).toBeGreaterThan(0);
    expect(failed.runs.every((r) => r.conclusion === "failure")).toBe(true);
    const push = await listRuns({ ...gh(), filters: { event: "push", branch: "main" }, perPage: 100 });
    expect(push.runs.every((r) => r.event === "push" && r.headBranch === "main")).toBe(true);
    expect((await listRuns({ ...gh(), filters: { branch: "no-such-branch" } })).runs).toEqual([]);
  });

  it("reads a failed run's jobs, steps and log, and finds the credential error", async () => {
    const failed = (await listRuns({ ...gh(), filters: { status: "failure" }, perPage: 100 })).runs;
    const tokenRun = await (async () => {
      for (const r of failed) {
        const jobs = await listJobs({ ...gh(), runId: r.id });
        const f = findFailingStep(jobs);
        if (!f) continue;
        const log = await getJobLog({ ...gh(), jobId: f.job.id });
        const err = log ? failingStepError(log, f.step) : null;
        if (err && /security token/i.test(err.message)) return { run: r, f, err };
      }
      return null;
    })();
    expect(tokenRun).not.toBeNull();
    // Read again (the client asks with the last answer's ETag): a log comes through a redirect to storage, so it is
    // never kept, and the second read is the same text, not a kept body that JSON could not hold.
    expect(await getJobLog({ ...gh(), jobId: tokenRun!.f.job.id })).toBe(await getJobLog({ ...gh(), jobId: tokenRun!.f.job.id }));
    expect(await getJobLog({ ...gh(), jobId: tokenRun!.f.job.id })).toMatch(/security token/i);
    expect(tokenRun!.f.step?.name).toBe("Configure AWS credentials");
    expect(classifyGuideError(tokenRun!.err.message)?.section).toBe("secret-access-key-not-found");
    expect(await getRun({ ...gh(), runId: 1 })).toBeNull();
  });

  it("dispatches a run that appears and completes, re-runs a failed run, and refuses to cancel a finished one", async () => {
    const wf = findWorkflowByName(await listWorkflows(gh()), "Build and Push to AWS ECR")!;
    const before = (await listRuns({ ...gh(), workflowId: wf.id, perPage: 1 })).runs[0];
    const { runId } = await dispatchWorkflow({ ...gh(), workflowId: wf.id, ref: "main" });
    const id = runId ?? (await waitFor(async () => (await listRuns({ ...gh(), workflowId: wf.id, perPage: 1 })).runs.find((r) => r.id !== before.id)?.id));
    const done = await waitFor(async () => {
      const r = await getRun({ ...gh(), runId: id });
      return r?.status === "completed" ? r : null;
    });
    expect(done.event).toBe("workflow_dispatch");
    expect(done.conclusion).not.toBeNull();

    const failed = (await listRuns({ ...gh(), filters: { status: "failure" }, perPage: 1 })).runs[0];
    await rerunFailedJobs({ ...gh(), runId: failed.id });
    const again = await getRun({ ...gh(), runId: failed.id });
    expect(again?.runAttempt).toBe(failed.runAttempt + 1);
    await waitFor(async () => (await getRun({ ...gh(), runId: failed.id }))?.status === "completed");
  }, 40_000);
});
