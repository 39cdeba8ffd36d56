import { expect, test } from "@playwright/test";
import { E2E_SANDBOX_PORT } from "../playwright.config";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { SANDBOX_AWS_ADMIN } from "../lib/sandbox/constants";
import { OidcPage } from "./pages/oidc-page";
import { DoctorPage } from "./pages/doctor-page";
import { OverviewPage } from "./pages/overview-page";
import { expectAccessible, expectAccessibleAtEveryWidth } from "./support/expect-accessible";

const SBX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const ADMIN = { authorization: "Bearer sandbox-admin-token", "content-type": "application/json" };

async function resetSandbox() {
  const r = await fetch(`${SBX}/_sandbox/reset`, { method: "POST", headers: ADMIN, body: JSON.stringify({ scenario: "default" }) });
  expect(r.status).toBe(200);
}

test.describe("move to GitHub's OIDC role", () => {
  test.describe.configure({ mode: "serial" });
  test.afterAll(resetSandbox);

  test.describe("as an operator", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });

    test("from Credentials: the plan pinned to main with every statement explained, then the IAM steps applied", async ({ page }) => {
      test.setTimeout(90_000);
      await resetSandbox();
      await page.goto("/credentials");
      await page.getByRole("link", { name: "Move to the OIDC role" }).click();
      const oidc = new OidcPage(page);
      await expect(page).toHaveURL(/\/credentials\/oidc$/);
      await expect(oidc.step("provider")).toHaveAttribute("data-status", "missing");
      await expect(oidc.step("role")).toHaveAttribute("data-status", "missing");
      await expect(oidc.step("workflow")).toHaveAttribute("data-status", "missing");
      await expect(oidc.subjects()).toContainText(":ref:refs/heads/main");
      await expect(oidc.subjects()).not.toContainText("pull_request");
      await expect(oidc.trustExplained()).toContainText("whose audience is sts.amazonaws.com");
      await expect(oidc.workflowDiff()).toContainText("+       id-token: write");
      await expect(oidc.workflowDiff()).toContainText("aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}");

      await oidc.applyAndConfirm();
      await page.reload();
      await expect(oidc.moveState()).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
      await expect(oidc.step("provider")).toHaveAttribute("data-status", "done");
      await expect(oidc.step("role")).toHaveAttribute("data-status", "done");
      await expect(oidc.step("role-policy")).toHaveAttribute("data-status", "done");
      // The workflow moves through a pull request, never a push to main: main still uses the key.
      await expect(oidc.pullRequestLink()).toBeVisible();
      await expect(oidc.step("workflow")).toHaveAttribute("data-status", "missing");
      const gh = { authorization: "Bearer ghp_sandboxadmintoken", accept: "application/vnd.github+json", "content-type": "application/json" };
      const pulls = (await (await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/pulls?state=open`, { headers: gh })).json()) as Array<{ number: number; head: { ref: string }; base: { ref: string } }>;
      const pr = pulls.find((p) => p.head.ref === "deckhand/oidc-role" && p.base.ref === "main");
      expect(pr).toBeTruthy();
      await expect(oidc.proof()).toHaveAttribute("data-verdict", "waiting-for-merge");

      // Merged as a user would (GitHub's API): the merge's run assumes the role, which the page proves from CloudTrail.
      const merged = await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/pulls/${pr!.number}/merge`, { method: "PUT", headers: gh, body: "{}" });
      expect(merged.status).toBe(200);
      await expect(async () => {
        await page.reload();
        await expect(oidc.proof()).toHaveAttribute("data-verdict", "no-role-push-yet", { timeout: 2000 });
      }).toPass({ timeout: 30_000 });
      await expect(oidc.proofMessage()).toContainText(":ref:refs/heads/main");
      // The key is still there, untouched: nothing is retired before the proof and the grace period.
      await expect(page.getByRole("button", { name: "Deactivate the key" })).toHaveCount(0);

      // A run from a pull request tries the role pinned to main (as configure-aws-credentials would): the doctor's
      // OIDC mode names the subject, the condition that refused it and the fix.
      const tokenRes = await fetch(`${SBX}/_sandbox/github/actions/id-token`, { method: "POST", headers: ADMIN, body: JSON.stringify({ repository: "acme/mcp-servers", audience: "sts.amazonaws.com", eventName: "pull_request", ref: "refs/pull/7/merge" }) });
      const { value: token } = (await tokenRes.json()) as { value: string };
      const sts = new STSClient({ endpoint: SBX, region: "us-east-1", maxAttempts: 1 });
      await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: "arn:aws:iam::123456789012:role/github-ecr-push-oidc", RoleSessionName: "GitHubActions", WebIdentityToken: token }))).rejects.toMatchObject({ name: "AccessDenied" });
      await page.reload();
      await expect(oidc.refusals()).toContainText(":pull_request");
      await expect(oidc.refusals()).toContainText("requires StringEquals token.actions.githubusercontent.com:sub");
      await expect(oidc.refusals()).toContainText("Fix: This run came from a pull request");

      // The Doctor picks its OIDC mode by itself (main's workflow now assumes the role): every check green but the
      // refusal, which names the subject, the condition that refused it and the fix.
      const doctor = new DoctorPage(page);
      await doctor.open();
      await expect(doctor.mode()).toHaveAttribute("data-mode", "oidc");
      await expect(doctor.modeTab("OIDC role")).toHaveAttribute("aria-current", "page");
      const refusal = doctor.check("oidc-refusals");
      await expect(refusal).toHaveAttribute("data-status", "fail");
      await expect(refusal.getByTestId("check-summary")).toContainText(/STS refused the subject "repo:acme[@\d]*\/mcp-servers[@\d]*:pull_request"/);
      await expect(refusal.getByTestId("check-summary")).toContainText("requires StringEquals token.actions.githubusercontent.com:sub");
      await expect(refusal.getByTestId("check-summary")).toContainText(":ref:refs/heads/main");
      await expect(refusal.getByTestId("check-evidence")).toContainText("issuer arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com");
      await expect(refusal.getByTestId("check-fix")).toContainText("skip the push job on pull_request (`if: github.event_name != 'pull_request'`)");
      for (const id of ["oidc-provider", "oidc-audience", "oidc-role", "oidc-trust-breadth", "oidc-id-token", "oidc-role-policy"]) await expect(doctor.check(id)).toHaveAttribute("data-status", "pass");
      await expect(doctor.summary()).toHaveText("6 passed, 1 failed, 0 unknown.");
      await expectAccessibleAtEveryWidth(page, "Doctor in OIDC mode");

      // The fix, made as a user would (GitHub's contents API on main): the push job skips pull requests.
      const path = ".github/workflows/ecr.yml";
      const current = (await (await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/contents/${path}`, { headers: gh })).json()) as { content: string; sha: string };
      const text = Buffer.from(current.content, "base64").toString("utf8");
      const fixed = text.replace("    runs-on: ubuntu-latest", "    if: github.event_name != 'pull_request'\n    runs-on: ubuntu-latest");
      expect(fixed).not.toBe(text);
      const put = await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/contents/${path}`, { method: "PUT", headers: gh, body: JSON.stringify({ message: "Skip the ECR push on pull requests", content: Buffer.from(fixed).toString("base64"), sha: current.sha }) });
      expect(put.status).toBe(200);
      await expect(async () => {
        await doctor.open();
        await expect(doctor.summary()).toHaveText("7 passed, 0 failed, 0 unknown.", { timeout: 2000 });
      }).toPass({ timeout: 30_000 });
      await expect(refusal).toHaveAttribute("data-status", "pass");
      await expect(refusal.getByTestId("check-evidence")).toContainText("Resolved: the ECR workflow changed after it");
      await expectAccessible(page, "Doctor in OIDC mode, all green");

      // The Overview knows the repository pushes with the role: no key age, but the role's trust, last session and drift.
      const overview = new OverviewPage(page);
      await overview.open("?refresh=1");
      await expect(overview.card("key")).toHaveCount(0);
      const role = overview.card("role");
      await expect(role).toContainText("arn:aws:iam::123456789012:role/github-ecr-push-oidc");
      await expect(role.getByTestId("oidc-role-breadth")).toHaveAttribute("data-clean", "true");
      await expect(role.getByTestId("oidc-role-last-session")).toContainText(/:ref:refs\/heads\/main/);
      await expect(role.getByTestId("oidc-role-policy")).toHaveAttribute("data-matches", "true");
      await expect(role.getByTestId("oidc-role-policy")).toContainText("narrowed to");
      await expect(overview.verdict()).toHaveAttribute("data-answer", "yes");
      await expect(overview.verdict()).toContainText("checks of the Doctor's OIDC mode pass");
      await expect(overview.card("doctor").getByTestId("doctor-card-mode")).toBeVisible();
      await expectAccessible(page, "Overview of a repository that pushes with the role");
      await page.goto("/credentials");
      await expect(page.getByTestId("oidc-role-summary").getByTestId("oidc-role-last-session")).toContainText(/:ref:refs\/heads\/main/);
      await doctor.open();

      // The key's checks stay one click away.
      await doctor.modeTab("Access key").click();
      await expect(doctor.mode()).toHaveAttribute("data-mode", "key");
      await expect(doctor.check("credential-error")).toBeVisible();
    });

    test("an existing role whose trust admits the whole repository is reported, not changed", async ({ page }) => {
      await resetSandbox();
      const custom = (await (await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/actions/oidc/customization/sub`, { headers: { authorization: "Bearer ghp_sandboxadmintoken" } })).json()) as { sub_claim_prefix: string };
      const trust = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { "token.actions.githubusercontent.com:sub": `${custom.sub_claim_prefix}:*` } } }],
      };
      // Made as a user would: the AWS API, signed with the account's administrator key.
      const iam = new IAMClient({ endpoint: SBX, region: "us-east-1", credentials: SANDBOX_AWS_ADMIN });
      await iam.send(new CreateRoleCommand({ RoleName: "github-ecr-push-oidc", AssumeRolePolicyDocument: JSON.stringify(trust) }));
      const oidc = new OidcPage(page);
      await oidc.open();
      await expect(oidc.step("role")).toHaveAttribute("data-status", "wrong");
      await expect(oidc.trustFindings()).toContainText("any pull request");
      await expect(oidc.applyButton()).toHaveCount(0);

      // Credentials knows the role too: no key age, but its trust breadth.
      await page.goto("/credentials");
      await expect(page.getByTestId("oidc-role-findings")).toContainText("any pull request");
    });
  });

  test.describe("an account nobody set up (empty scenario), as an operator", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });

    test("says the push user is missing and links to Setup instead of offering Apply", async ({ page }) => {
      const r = await fetch(`${SBX}/_sandbox/reset`, { method: "POST", headers: ADMIN, body: JSON.stringify({ scenario: "empty" }) });
      expect(r.status).toBe(200);
      const oidc = new OidcPage(page);
      await oidc.open();
      await expect(oidc.prerequisite()).toContainText("The account has no push user github-ecr-push yet");
      await oidc.prerequisite().getByRole("link", { name: "Start the guided setup →" }).click();
      await expect(page).toHaveURL(/\/setup$/);
      await oidc.open();
      await expect(oidc.applyButton()).toHaveCount(0);
      await expect(page.getByTestId("oidc-apply-blocked")).toBeVisible();
      await resetSandbox();
    });
  });

  test.describe("as a viewer", () => {
    test.use({ storageState: "e2e/.auth/viewer.json" });

    test("sees the plan but no apply button", async ({ page }) => {
      const oidc = new OidcPage(page);
      await oidc.open();
      await expect(oidc.subjects()).toBeVisible();
      await expect(oidc.applyButton()).toHaveCount(0);
      await expect(page.getByText("Operators apply the move; you can see its plan.")).toBeVisible();
    });
  });
});
