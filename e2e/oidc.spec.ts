import { expect, test } from "@playwright/test";
import { E2E_SANDBOX_PORT } from "../playwright.config";
import { CreateRoleCommand, IAMClient, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { BatchGetImageCommand, ECRClient, GetAuthorizationTokenCommand, PutImageCommand } from "@aws-sdk/client-ecr";
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

    test("then the role pushes, the key goes unused for the grace period and is retired in the browser, the Doctor all green", async ({ page }) => {
      test.setTimeout(120_000);
      const gh = { authorization: "Bearer ghp_sandboxadmintoken", accept: "application/vnd.github+json" };
      const secret = async (name: string) => fetch(`${SBX}/_sandbox/github/repos/acme/mcp-servers/secrets/${name}`, { headers: ADMIN });
      const keyId = ((await (await secret("AWS_ACCESS_KEY_ID")).json()) as { value: string }).value;
      const keySecret = ((await (await secret("AWS_SECRET_ACCESS_KEY")).json()) as { value: string }).value;
      const iam = new IAMClient({ endpoint: SBX, region: "us-east-1", credentials: SANDBOX_AWS_ADMIN });
      const iamKeys = async () => (await iam.send(new ListAccessKeysCommand({ UserName: "github-ecr-push" }))).AccessKeyMetadata!.map((k) => [k.AccessKeyId, k.Status]);
      expect(await iamKeys()).toEqual([[keyId, "Active"]]);

      // After the merge someone's release script still used the key once: the page lists that use, with where from.
      const keyEcr = new ECRClient({ endpoint: SBX, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: keyId, secretAccessKey: keySecret }, customUserAgent: "release-script/2.1" });
      await keyEcr.send(new GetAuthorizationTokenCommand({}));

      // The merge's run pushes with the role as its `docker push` would (the sandbox's runner does not run docker):
      // the run's ID token (ref main, event push) → STS AssumeRoleWithWebIdentity → ECR, the image tagged ci-<commit> (Deckhand's
      // worker, on the merge's webhook, has already pushed the commit's own tag).
      const merged = ((await (await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/pulls?state=closed`, { headers: gh })).json()) as Array<{ head: { ref: string }; merge_commit_sha: string | null; merged_at: string | null }>).find((p) => p.head.ref === "deckhand/oidc-role" && p.merged_at);
      expect(merged?.merge_commit_sha).toBeTruthy();
      const runs = (await (await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/actions/runs?head_sha=${merged!.merge_commit_sha}&event=push`, { headers: gh })).json()) as { workflow_runs: Array<{ id: number; run_number: number; conclusion: string | null }> };
      const run = runs.workflow_runs[0];
      expect(run.conclusion).toBe("success");
      const tokenRes = await fetch(`${SBX}/_sandbox/github/actions/id-token`, { method: "POST", headers: ADMIN, body: JSON.stringify({ repository: "acme/mcp-servers", audience: "sts.amazonaws.com", ref: "refs/heads/main", eventName: "push", sha: merged!.merge_commit_sha, runId: run.id, runNumber: run.run_number }) });
      const { value: token } = (await tokenRes.json()) as { value: string };
      const sts = new STSClient({ endpoint: SBX, region: "us-east-1", maxAttempts: 1 });
      const creds = (await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: "arn:aws:iam::123456789012:role/github-ecr-push-oidc", RoleSessionName: "GitHubActions", WebIdentityToken: token }))).Credentials!;
      const roleEcr = new ECRClient({ endpoint: SBX, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! } });
      const image = (await roleEcr.send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }))).images![0];
      await roleEcr.send(new PutImageCommand({ repositoryName: "mcp-server-tcp", imageManifest: image.imageManifest, imageManifestMediaType: image.imageManifestMediaType, imageTag: `ci-${merged!.merge_commit_sha!.slice(0, 7)}` }));

      const oidc = new OidcPage(page);
      await oidc.open();
      await expect(oidc.proof()).toHaveAttribute("data-verdict", "grace-running");
      await expect(oidc.proofMessage()).toContainText("The role works and the key is unused since; the 7-day grace period ends");
      await expect(oidc.proof()).toContainText(`Image pushed with the role's session: `);
      await expect(oidc.proof()).toContainText(`mcp-server-tcp (${creds.AccessKeyId})`);
      await expect(oidc.keyUses()).toContainText("GetAuthorizationToken");
      await expect(oidc.keyUses()).toContainText("release-script/2.1");
      await expect(oidc.keyUses()).toContainText(keyId);
      await expect(page.getByRole("button", { name: "Deactivate the key" })).toHaveCount(0);

      // The grace period passes (the sandbox's recorded world moves 8 days back; Deckhand keeps the real clock).
      const aged = await fetch(`${SBX}/_sandbox/age`, { method: "POST", headers: ADMIN, body: JSON.stringify({ days: 8 }) });
      expect(aged.status).toBe(200);
      await page.reload();
      await expect(oidc.proof()).toHaveAttribute("data-verdict", "ready-to-retire");
      await expect(oidc.proofMessage()).toContainText("the key has gone unused for 7 days: it can be retired");

      // Retire, each step confirmed: deactivate (reversible), delete the secrets, delete the key (last).
      await oidc.retireStep("Deactivate the key", "Confirm: deactivate");
      await expect(oidc.retireKey(keyId)).toHaveAttribute("data-status", "Inactive");
      await expect(oidc.retireKey(keyId)).toContainText("inactive");
      expect(await iamKeys()).toEqual([[keyId, "Inactive"]]);
      // Reversible until the key is deleted: reactivate, then deactivate again.
      await oidc.retireStep(`Reactivate ${keyId}`, "Confirm: reactivate");
      await expect(oidc.retireKey(keyId)).toHaveAttribute("data-status", "Active");
      expect(await iamKeys()).toEqual([[keyId, "Active"]]);
      await oidc.retireStep("Deactivate the key", "Confirm: deactivate");
      await expect(oidc.retireKey(keyId)).toHaveAttribute("data-status", "Inactive");
      await expect(page.getByRole("button", { name: `Reactivate ${keyId}` })).toBeVisible();
      // The key is not deleted while the secrets hold it: that button comes after the secrets are gone.
      await expect(page.getByRole("button", { name: `Delete the key ${keyId}` })).toHaveCount(0);

      await oidc.retireStep("Delete the two secrets", "Confirm: delete the secrets");
      await expect(oidc.retireSecrets()).toHaveAttribute("data-present", "false");
      expect((await secret("AWS_ACCESS_KEY_ID")).status).toBe(404);
      expect((await secret("AWS_SECRET_ACCESS_KEY")).status).toBe(404);

      await oidc.retireStep(`Delete the key ${keyId}`, "Confirm: delete for good");
      await expect(oidc.retired()).toBeVisible();
      await expect(oidc.proofMessage()).toHaveText("The role works and the key is retired.");
      expect(await iamKeys()).toEqual([]);
      await expectAccessibleAtEveryWidth(page, "OIDC move, key retired");

      // The goal state: a repository that pushes with the role and has no key. The Doctor's OIDC mode is all green.
      const doctor = new DoctorPage(page);
      await doctor.open();
      await expect(doctor.mode()).toHaveAttribute("data-mode", "oidc");
      await expect(doctor.summary()).toHaveText("7 passed, 0 failed, 0 unknown.");
      await expectAccessible(page, "Doctor in OIDC mode after the key is retired");
      const overview = new OverviewPage(page);
      await overview.open("?refresh=1");
      await expect(overview.verdict()).toHaveAttribute("data-answer", "yes");
      await expect(overview.verdict()).toContainText("checks of the Doctor's OIDC mode pass");
      await expect(overview.card("key")).toHaveCount(0);
      await expectAccessible(page, "Overview after the key is retired");
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
