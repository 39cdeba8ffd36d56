import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sodium from "libsodium-wrappers";
import { IAMClient, CreateAccessKeyCommand, DeleteAccessKeyCommand } from "@aws-sdk/client-iam";
import { settledFetch, startGithubFixture, waitFor, type GithubFixture } from "./test-support/sandbox-fixture";
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from "../aws/errors";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { schemaErrors } from "./test-support/openapi-validator";

let f: GithubFixture;
const repo = { owner: "acme", repo: "mcp-servers" };
const WORKFLOW = "ecr.yml";

const events: Array<{ event: string; body: { action: string; workflow_run?: { id: number; status: string }; workflow_job?: { run_id: number } } }> = [];
let receiver: http.Server;

beforeAll(async () => {
  f = await startGithubFixture();
  await sodium.ready;
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      events.push({ event: String(req.headers["x-github-event"]), body: JSON.parse(body) });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  await f.octokit.repos.createWebhook({ ...repo, events: ["workflow_run", "workflow_job"], config: { url, content_type: "json" } });
});
afterAll(async () => {
  await f?.close();
  await new Promise((r) => receiver?.close(r));
});

async function putSecret(name: string, value: string) {
  const { data: key } = await f.octokit.actions.getRepoPublicKey(repo);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL));
  await f.octokit.actions.createOrUpdateRepoSecret({ ...repo, secret_name: name, encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL), key_id: key.key_id });
}

/** Dispatch the ECR workflow and wait for the run it creates to complete; returns the run, its job and log. */
async function dispatchAndWait() {
  const before = await f.octokit.actions.listWorkflowRuns({ ...repo, workflow_id: WORKFLOW, per_page: 1 });
  const res = await f.octokit.actions.createWorkflowDispatch({ ...repo, workflow_id: WORKFLOW, ref: "main" });
  expect(res.status).toBe(204);
  const run = await waitFor(async () => {
    const { data } = await f.octokit.actions.listWorkflowRuns({ ...repo, workflow_id: WORKFLOW, event: "workflow_dispatch", per_page: 1 });
    const r = data.workflow_runs[0];
    return r && r.id !== before.data.workflow_runs[0]?.id ? r : undefined;
  });
  expect(run.status === "queued" || run.status === "in_progress").toBe(true);
  const done = await waitFor(async () => {
    const { data } = await f.octokit.actions.getWorkflowRun({ ...repo, run_id: run.id });
    return data.status === "completed" ? data : undefined;
  }, 20_000);
  const { data: jobs } = await f.octokit.actions.listJobsForWorkflowRun({ ...repo, run_id: run.id });
  const log = await f.octokit.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobs.jobs[0].id });
  return { run: done, job: jobs.jobs[0], log: String(log.data) };
}

describe("workflows and seeded runs", () => {
  it("lists the ECR workflow", async () => {
    const { data } = await f.octokit.actions.listRepoWorkflows(repo);
    expect(data.total_count).toBe(1);
    expect(data.workflows[0]).toMatchObject({ name: "Build and Push to AWS ECR", path: ".github/workflows/ecr.yml", state: "active" });
    const byFile = await f.octokit.actions.getWorkflow({ ...repo, workflow_id: WORKFLOW });
    expect(byFile.data.id).toBe(data.workflows[0].id);
  });

  it("has at least 30 past runs over 60 days with mixed conclusions, numbered in order", async () => {
    const runs = await f.octokit.paginate(f.octokit.actions.listWorkflowRunsForRepo, { ...repo, per_page: 100 });
    expect(runs.length).toBeGreaterThanOrEqual(30);
    const conclusions = new Set(runs.map((r) => r.conclusion));
    expect(conclusions).toEqual(new Set(["success", "failure", "cancelled"]));
    const oldest = runs[runs.length - 1];
    expect(Date.now() - Date.parse(oldest.created_at)).toBeGreaterThan(50 * 86_400_000);
    expect(Date.now() - Date.parse(oldest.created_at)).toBeLessThan(60 * 86_400_000);
    expect(runs.map((r) => r.run_number)).toEqual([...runs.map((r) => r.run_number)].sort((a, b) => b - a));
    expect(new Set(runs.map((r) => r.event))).toEqual(new Set(["push", "workflow_dispatch"]));
  });

  it("filters runs by status, event, branch, actor, head_sha and created, with per_page/page and Link headers", async () => {
    const failed = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, status: "failure", per_page: 100 });
    expect(failed.data.total_count).toBeGreaterThan(2);
    expect(failed.data.workflow_runs.every((r) => r.conclusion === "failure")).toBe(true);
    const pushes = await f.octokit.actions.listWorkflowRuns({ ...repo, workflow_id: WORKFLOW, event: "push", branch: "main", actor: "octo-operator" });
    expect(pushes.data.workflow_runs.every((r) => r.event === "push" && r.head_branch === "main")).toBe(true);
    const sha = pushes.data.workflow_runs[0].head_sha;
    const bySha = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, head_sha: sha });
    expect(bySha.data.workflow_runs.every((r) => r.head_sha === sha)).toBe(true);
    const since = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const recent = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, created: `>=${since}`, per_page: 100 });
    expect(recent.data.total_count).toBeGreaterThan(0);
    expect(recent.data.workflow_runs.every((r) => r.created_at.slice(0, 10) >= since)).toBe(true);
    const all = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, per_page: 100 });
    expect(recent.data.total_count).toBeLessThan(all.data.total_count);
    const page2 = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, per_page: 10, page: 2 });
    expect(page2.data.workflow_runs.map((r) => r.id)).toEqual(all.data.workflow_runs.slice(10, 20).map((r) => r.id));
    expect(page2.headers.link).toMatch(/page=3>; rel="next"/);
    expect(page2.headers.link).toMatch(/page=1>; rel="prev"/);
  });

  it("shows a credential failure with the step that failed and the AWS error in its log", async () => {
    const failed = await f.octokit.paginate(f.octokit.actions.listWorkflowRunsForRepo, { ...repo, status: "failure", per_page: 100 });
    const logs = await Promise.all(
      failed.map(async (run) => {
        const { data } = await f.octokit.actions.listJobsForWorkflowRun({ ...repo, run_id: run.id });
        const job = data.jobs[0];
        const log = await f.octokit.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: job.id });
        return { job, log: String(log.data) };
      }),
    );
    const token = logs.find((l) => l.log.includes("##[error]The security token included in the request is invalid."));
    expect(token).toBeDefined();
    expect(token!.job.steps!.find((s) => s.name === "Configure AWS credentials")!.conclusion).toBe("failure");
    expect(token!.job.steps!.find((s) => s.name === "Login to Amazon ECR")!.conclusion).toBe("skipped");
    expect(logs.some((l) => l.log.includes("Input required and not supplied: aws-region"))).toBe(true);
    // Since the AWS seed's policy drift, pushes die at CompleteLayerUpload.
    const denied = logs.find((l) => l.log.includes("is not authorized to perform: ecr:CompleteLayerUpload"));
    expect(denied!.job.steps!.find((s) => s.name === "Build and push images")!.conclusion).toBe("failure");
    // The secrets were re-saved after the runs that failed on them.
    const secret = (await f.octokit.actions.getRepoSecret({ ...repo, secret_name: "AWS_ACCESS_KEY_ID" })).data;
    expect(Date.parse(secret.updated_at)).toBeGreaterThan(Date.parse(token!.job.created_at));
  });

  it("redirects job logs to a signed download URL", async () => {
    const { data } = await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, per_page: 1 });
    const { data: jobs } = await f.octokit.actions.listJobsForWorkflowRun({ ...repo, run_id: data.workflow_runs[0].id });
    const res = await settledFetch(`${f.sb.url}/api/v3/repos/acme/mcp-servers/actions/jobs/${jobs.jobs[0].id}/logs`, { headers: { authorization: "token ghp_sandboxadmintoken" }, redirect: "manual" });
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect((await settledFetch(location)).status).toBe(200);
    expect((await settledFetch(location.replace(/sig=[0-9a-f]+/, "sig=00"))).status).toBe(403);
  });
});

describe("running the ECR workflow against the AWS sandbox", () => {
  it("workflow_dispatch with the seeded secrets ends in success", async () => {
    const { run, job, log } = await dispatchAndWait();
    expect(run).toMatchObject({ event: "workflow_dispatch", conclusion: "success", run_attempt: 1, display_title: "Build and Push to AWS ECR" });
    expect(Date.parse(run.updated_at)).toBeGreaterThanOrEqual(Date.parse(run.run_started_at!));
    expect(job.steps!.map((s) => s.name)).toEqual(
      expect.arrayContaining(["Set up job", "Checkout", "Configure AWS credentials", "Login to Amazon ECR", "Build and push images", "Complete job"]),
    );
    expect(job.steps!.every((s) => s.conclusion === "success")).toBe(true);
    expect(log).toMatch(/Logging into registry \S+\n.*Login Succeeded!/);
    const runEvents = await waitFor(() => {
      const mine = events.filter((e) => e.event === "workflow_run" && e.body.workflow_run?.id === run.id);
      return mine.length === 3 ? mine : undefined;
    });
    expect(runEvents.map((e) => e.body.action)).toEqual(["requested", "in_progress", "completed"]);
    for (const e of runEvents) expect(schemaErrors(`webhook-workflow-run-${e.body.action.replace("_", "-")}`, e.body)).toBe("");
    const jobEvents = events.filter((e) => e.event === "workflow_job" && e.body.workflow_job?.run_id === run.id);
    expect(jobEvents.map((e) => e.body.action)).toEqual(["queued", "in_progress", "completed"]);
    for (const e of jobEvents) expect(schemaErrors(`webhook-workflow-job-${e.body.action.replace("_", "-")}`, e.body)).toBe("");
    expect(log).not.toContain((await f.admin("GET", "/_sandbox/github/repos/acme/mcp-servers/secrets/AWS_SECRET_ACCESS_KEY").then((r) => r.json()) as { value: string }).value);
  });

  it("after the secret is replaced by a deleted key's value, the next run fails with the AWS error in its log", async () => {
    const iam = new IAMClient({ endpoint: f.sb.url, region: "us-east-1", credentials: { accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY }, maxAttempts: 1 });
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: "github-ecr-push" }));
    await iam.send(new DeleteAccessKeyCommand({ UserName: "github-ecr-push", AccessKeyId: AccessKey!.AccessKeyId! }));
    iam.destroy();
    await putSecret("AWS_ACCESS_KEY_ID", AccessKey!.AccessKeyId!);
    await putSecret("AWS_SECRET_ACCESS_KEY", AccessKey!.SecretAccessKey!);
    const { run, job, log } = await dispatchAndWait();
    expect(run.conclusion).toBe("failure");
    expect(job.steps!.find((s) => s.name === "Configure AWS credentials")!.conclusion).toBe("failure");
    expect(log).toContain("##[error]The security token included in the request is invalid.");
  });

  it("fails on a missing AWS_REGION variable or missing key secrets with the actions' messages", async () => {
    await f.octokit.actions.deleteRepoVariable({ ...repo, name: "AWS_REGION" });
    const noRegion = await dispatchAndWait();
    expect(noRegion.run.conclusion).toBe("failure");
    expect(noRegion.log).toContain("##[error]Input required and not supplied: aws-region");
    await f.octokit.actions.createRepoVariable({ ...repo, name: "AWS_REGION", value: "us-east-1" });
    await f.octokit.actions.deleteRepoSecret({ ...repo, secret_name: "AWS_ACCESS_KEY_ID" });
    await f.octokit.actions.deleteRepoSecret({ ...repo, secret_name: "AWS_SECRET_ACCESS_KEY" });
    const noKeys = await dispatchAndWait();
    expect(noKeys.log).toContain("Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers");
  });

  it("cancels a run before it completes (202, then 409 once completed) and re-runs it as attempt 2", async () => {
    // A sandbox of its own whose jobs run 8 s: with the default 0.6 s a loaded machine finished the run before the
    // cancel arrived (a 409 where the test wanted a 202).
    const slow = await startGithubFixture({ minJobMs: 8000 });
    try {
      await cancelAndReRun(slow);
    } finally {
      await slow.close();
    }
  }, 120_000);

  async function cancelAndReRun(f: GithubFixture) {
    await f.octokit.actions.createWorkflowDispatch({ ...repo, workflow_id: WORKFLOW, ref: "main" });
    const { data } = await f.octokit.actions.listWorkflowRuns({ ...repo, workflow_id: WORKFLOW, per_page: 1 });
    const run = data.workflow_runs[0];
    expect(["queued", "in_progress"]).toContain(run.status);
    expect((await f.octokit.actions.cancelWorkflowRun({ ...repo, run_id: run.id })).status).toBe(202);
    const cancelled = (await f.octokit.actions.getWorkflowRun({ ...repo, run_id: run.id })).data;
    expect(cancelled).toMatchObject({ status: "completed", conclusion: "cancelled" });
    await expect(f.octokit.actions.cancelWorkflowRun({ ...repo, run_id: run.id })).rejects.toMatchObject({ status: 409 });
    expect((await f.octokit.actions.reRunWorkflow({ ...repo, run_id: run.id })).status).toBe(201);
    const rerun = (await f.octokit.actions.getWorkflowRun({ ...repo, run_id: run.id })).data;
    expect(rerun).toMatchObject({ run_attempt: 2, conclusion: null, run_number: run.run_number });
    expect(["queued", "in_progress"]).toContain(rerun.status);
    const done = await waitFor(async () => {
      const r = (await f.octokit.actions.getWorkflowRun({ ...repo, run_id: run.id })).data;
      return r.status === "completed" ? r : undefined;
    }, 60_000);
    expect(done.conclusion).not.toBe("cancelled");
    const all = await f.octokit.actions.listJobsForWorkflowRun({ ...repo, run_id: run.id, filter: "all" });
    expect(all.data.jobs.map((j) => j.run_attempt)).toEqual([1, 2]);
    const first = await f.octokit.actions.getWorkflowRunAttempt({ ...repo, run_id: run.id, attempt_number: 1 });
    expect(first.data).toMatchObject({ run_attempt: 1, status: "completed", conclusion: "cancelled" });
    expect(done.previous_attempt_url).toBe(`${done.url}/attempts/1`);
    const firstJobs = await f.octokit.actions.listJobsForWorkflowRunAttempt({ ...repo, run_id: run.id, attempt_number: 1 });
    expect(firstJobs.data.jobs.map((j) => j.conclusion)).toEqual(["cancelled"]);
    await expect(f.octokit.actions.getWorkflowRunAttempt({ ...repo, run_id: run.id, attempt_number: 3 })).rejects.toMatchObject({ status: 404 });
  }

  it("refuses dispatches to unknown refs or with undeclared inputs (422), from read-only users (403), and re-runs older than a month (403)", async () => {
    await expect(f.octokit.actions.createWorkflowDispatch({ ...repo, workflow_id: WORKFLOW, ref: "no-such-branch" })).rejects.toMatchObject({ status: 422 });
    await expect(f.octokit.actions.createWorkflowDispatch({ ...repo, workflow_id: WORKFLOW, ref: "main", inputs: { tag: "x" } })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Unexpected inputs provided: ["tag"]' } },
    });
    await expect(f.as("octo-viewer").actions.createWorkflowDispatch({ ...repo, workflow_id: WORKFLOW, ref: "main" })).rejects.toMatchObject({ status: 403 });
    await expect(f.as("mallory").actions.listWorkflowRunsForRepo(repo)).rejects.toMatchObject({ status: 404 });
    const old = (await f.octokit.actions.listWorkflowRunsForRepo({ ...repo, created: `<${new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10)}`, per_page: 1 })).data.workflow_runs[0];
    await expect(f.octokit.actions.reRunWorkflow({ ...repo, run_id: old.id })).rejects.toMatchObject({ status: 403 });
  });
});
