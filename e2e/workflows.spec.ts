import { E2E_SANDBOX_PORT } from "../playwright.config";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { WorkflowsPage } from "./pages/workflows-page";
import { serverActionId } from "./server-actions";

const SANDBOX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const API = `${SANDBOX}/api/v3/repos/acme/mcp-servers`;
const GH = { authorization: "Bearer ghp_sandboxadmintoken", accept: "application/vnd.github+json" };

type Run = { id: number; status: string; conclusion: string | null };

async function github<T>(request: APIRequestContext, path: string): Promise<T> {
  const res = await request.get(`${API}${path}`, { headers: GH });
  expect(res.ok()).toBe(true);
  return (await res.json()) as T;
}

async function sandbox(request: APIRequestContext, method: "POST" | "DELETE", route: string, data?: unknown) {
  const res = await request.fetch(`${SANDBOX}${route}`, { method, headers: { authorization: "Bearer sandbox-admin-token" }, data });
  expect(res.ok()).toBe(true);
}

/** A failed run whose job log says the security token is invalid, found through GitHub's API. */
async function tokenFailureRun(request: APIRequestContext): Promise<number> {
  const { workflow_runs } = await github<{ workflow_runs: Run[] }>(request, "/actions/runs?status=failure&per_page=100");
  for (const run of workflow_runs) {
    const { jobs } = await github<{ jobs: Array<{ id: number }> }>(request, `/actions/runs/${run.id}/jobs`);
    const log = await request.get(`${API}/actions/jobs/${jobs[0].id}/logs`, { headers: GH });
    if ((await log.text()).includes("The security token included in the request is invalid.")) return run.id;
  }
  throw new Error("no seeded run failed with an invalid security token");
}

test.describe("workflows as viewer", () => {
  test.use({ storageState: "e2e/.auth/viewer.json" });

  test("lists the seeded runs with their conclusions, as GitHub lists them", async ({ page, request }) => {
    const { workflow_runs } = await github<{ workflow_runs: Run[] }>(request, "/actions/workflows/ecr.yml/runs?per_page=30");
    const workflows = new WorkflowsPage(page);
    await workflows.open();
    await expect(workflows.runRows()).toHaveCount(workflow_runs.length);
    for (const run of workflow_runs) {
      await expect(workflows.runRow(run.id).getByTestId("run-status")).toHaveAttribute("data-conclusion", run.conclusion ?? "");
    }
    await workflows.open("?status=failure");
    const failed = await github<{ total_count: number }>(request, "/actions/workflows/ecr.yml/runs?status=failure&per_page=1");
    await expect(page.getByTestId("run-count")).toContainText(`${failed.total_count} run`);
  });

  test("a failing run shows its credential error and links to the doctor check", async ({ page, request }) => {
    const id = await tokenFailureRun(request);
    const workflows = new WorkflowsPage(page);
    await workflows.openRun(id);
    await expect(workflows.failingError()).toHaveText("The security token included in the request is invalid.");
    await expect(page.getByTestId("failing-step")).toContainText("Configure AWS credentials");
    await expect(workflows.credentialLink()).toHaveAttribute("href", "/doctor#secret-access-key-not-found");
    await expect(page.locator('[data-step="Configure AWS credentials"]')).toHaveAttribute("data-conclusion", "failure");
  });

  test("viewers get no dispatch or re-run, and a crafted dispatch is refused", async ({ page, baseURL, request }) => {
    const workflows = new WorkflowsPage(page);
    await workflows.open();
    await expect(workflows.runRows().first()).toBeVisible();
    await expect(workflows.dispatchButton()).toHaveCount(0);
    const id = await tokenFailureRun(request);
    await workflows.openRun(id);
    await expect(page.getByRole("button", { name: "Re-run failed jobs" })).toHaveCount(0);

    const before = await github<{ total_count: number }>(request, "/actions/runs?per_page=1");
    const response = await page.request.post("/workflows", {
      headers: { "Next-Action": serverActionId("dispatchWorkflowAction"), "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: baseURL! },
      data: JSON.stringify([{ ref: "main" }]),
    });
    expect(await response.text()).toContain("Only operators may do this.");
    const after = await github<{ total_count: number }>(request, "/actions/runs?per_page=1");
    expect(after.total_count).toBe(before.total_count);
  });

  test("says GitHub is unreachable while it answers 503", async ({ page, request }) => {
    await sandbox(request, "POST", "/_sandbox/faults", { service: "github", operation: "*", kind: "503", count: -1 });
    try {
      const workflows = new WorkflowsPage(page);
      // A filter this page has never shown, so nothing cached can stand in for GitHub.
      await workflows.open(`?branch=e2e-${Date.now()}`);
      await expect(workflows.sectionErrors().first()).toContainText("GitHub is unreachable");
    } finally {
      await sandbox(request, "DELETE", "/_sandbox/faults");
    }
  });
});

test.describe("workflows as operator", () => {
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("a dispatched run appears and completes without a reload", async ({ page, request }) => {
    const workflows = new WorkflowsPage(page);
    await workflows.open();
    await expect(workflows.runRows().first()).toBeVisible();
    const before = new Set(await workflows.runRows().evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run-id"))));
    let loads = 0;
    page.on("load", () => loads++);
    try {
      await workflows.dispatch("main");
      await expect(page.getByTestId("dispatch-result")).toContainText("Dispatched");
      const fresh = workflows.runRows().filter({ hasText: "workflow_dispatch" }).first();
      await expect.poll(async () => before.has(await fresh.getAttribute("data-run-id"))).toBe(false);
      const id = await fresh.getAttribute("data-run-id");
      await expect(workflows.runRow(id!).getByTestId("run-status")).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
      expect(loads).toBe(0);
    } finally {
      await sandbox(request, "POST", "/_sandbox/reset");
    }
  });

  test("a ref git refuses keeps what was typed and says which character is wrong, before GitHub is asked", async ({ page }) => {
    const workflows = new WorkflowsPage(page);
    await workflows.open();
    await workflows.dispatch("my branch~1");
    await expect(page.getByTestId("dispatch-result")).toHaveText("Some fields need attention.");
    await expect(page.getByTestId("dispatch-ref-error")).toHaveText("A branch or tag name cannot contain a space");
    await expect(page.getByLabel(/Run .* on/)).toHaveValue("my branch~1");
  });
});
