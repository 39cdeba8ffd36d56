import { expect, test } from "@playwright/test";
import { E2E_SANDBOX_PORT } from "../playwright.config";
import { SetupPage } from "./pages/setup-page";
import { DoctorPage } from "./pages/doctor-page";

const SBX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const ADMIN = { authorization: "Bearer sandbox-admin-token", "content-type": "application/json" };

async function resetSandbox(scenario: "default" | "empty" | "partial") {
  const r = await fetch(`${SBX}/_sandbox/reset`, { method: "POST", headers: ADMIN, body: JSON.stringify({ scenario }) });
  expect(r.status).toBe(200);
}

async function sandboxJson<T>(path: string): Promise<T> {
  return (await (await fetch(`${SBX}${path}`, { headers: ADMIN })).json()) as T;
}

const gh = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${SBX}/api/v3/repos/acme/mcp-servers${path}`, { headers: { authorization: "Bearer ghp_sandboxadmintoken", accept: "application/vnd.github+json" } })).json()) as T;

test.describe("guided setup", () => {
  test.describe.configure({ mode: "serial" });
  test.afterAll(async () => {
    // Always leave the shared e2e sandbox as the other specs expect it.
    await resetSandbox("default");
  });

  test.describe("as an operator", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });

    test("runs setup on an empty account and repository; the doctor ends green", async ({ page }) => {
      test.setTimeout(180_000);
      await resetSandbox("empty");
      const setup = new SetupPage(page);
      await setup.open();
      await expect(setup.item("user")).toHaveAttribute("data-status", "missing");
      for (const id of ["create-user", "put-policy", "set-region-variable", "create-key", "first-push", "verify"]) await expect(setup.planStep(id)).toBeVisible();
      await expect(setup.planStep("create-user")).toContainText("IAM CreateUser UserName=github-ecr-push");

      await setup.applyAndConfirm();
      await expect(setup.run()).toBeVisible({ timeout: 15_000 });
      await expect(setup.run()).toHaveAttribute("data-state", "completed", { timeout: 150_000 });
      for (const id of ["create-user", "put-policy", "set-region-variable", "create-key", "first-push", "verify"]) await expect(setup.step(id)).toHaveAttribute("data-outcome", "succeeded");
      // The first push is a Deckhand push job, linked from its step.
      await expect(page.getByTestId("setup-first-push-job")).toBeVisible();

      // The verification shows the doctor's checks.
      await expect(setup.doctorChecks()).not.toHaveCount(0);
      const statuses = await setup.doctorChecks().evaluateAll((els) => els.map((e) => [e.getAttribute("data-testid"), e.getAttribute("data-status")]));
      // All green, "Image Not Found in ECR" included: the first push put the images there.
      expect(statuses.filter(([, s]) => s !== "pass")).toEqual([]);
      await expect(page.getByTestId("setup-warning")).toHaveCount(0);

      // AWS and GitHub as the guide's Step 5 sees them.
      const keys = (await sandboxJson<{ keys: { accessKeyId: string; status: string }[] }>("/_sandbox/aws/keys?user=github-ecr-push")).keys;
      expect(keys.map((k) => k.status)).toEqual(["Active"]);
      const held = await sandboxJson<{ value: string }>("/_sandbox/github/repos/acme/mcp-servers/secrets/AWS_ACCESS_KEY_ID");
      expect(held.value).toBe(keys[0].accessKeyId);
      const secrets = await gh<{ secrets: { name: string }[] }>("/actions/secrets");
      expect(secrets.secrets.map((s) => s.name).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
      const vars = await gh<{ variables: { name: string; value: string }[] }>("/actions/variables");
      expect(vars.variables.map((v) => [v.name, v.value])).toEqual([["AWS_REGION", "us-east-1"]]);
      const runs = await gh<{ workflow_runs: { event: string; conclusion: string | null }[] }>("/actions/runs?event=workflow_dispatch");
      expect(runs.workflow_runs[0]).toMatchObject({ event: "workflow_dispatch", conclusion: "success" });

      // The doctor page agrees (read fresh: ?refresh=1).
      const doctor = new DoctorPage(page);
      await doctor.open();
      for (const id of ["credential-error", "aws-region-not-found", "access-denied", "invalid-access-key", "secret-access-key-not-found", "repository-creation-failed", "image-not-found"]) {
        await expect(doctor.check(id)).toHaveAttribute("data-status", "pass");
      }
    });

    test("on a half-done setup only the missing steps are planned and the stray secret is removed on confirmation", async ({ page }) => {
      test.setTimeout(180_000);
      await resetSandbox("partial");
      const setup = new SetupPage(page);
      await setup.open();
      await expect(setup.item("user")).toHaveAttribute("data-status", "done");
      await expect(setup.planStep("create-user")).toHaveCount(0);
      await expect(setup.planStep("remove-region-secret")).toContainText("Needs your confirmation");
      await setup.applyAndConfirm({ removeRegionSecret: true });
      await expect(setup.run()).toHaveAttribute("data-state", "completed", { timeout: 150_000 });
      await expect(setup.step("remove-region-secret")).toHaveAttribute("data-outcome", "succeeded");
      const secrets = await gh<{ secrets: { name: string }[] }>("/actions/secrets");
      expect(secrets.secrets.map((s) => s.name).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    });
  });

  test.describe("as a viewer", () => {
    test.use({ storageState: "e2e/.auth/viewer.json" });
    test("sees the state but cannot apply", async ({ page }) => {
      await resetSandbox("empty");
      const setup = new SetupPage(page);
      await setup.open();
      await expect(setup.item("user")).toBeVisible();
      await expect(setup.applyButton()).toHaveCount(0);
      await expect(page.getByText("Operators apply the setup")).toBeVisible();
    });
  });
});
