import { expect, test } from "@playwright/test";
import { FleetPage } from "./pages/fleet-page";
import { PushesPage } from "./pages/pushes-page";
import { WorkflowsPage } from "./pages/workflows-page";
import { pushCommit, sandboxAdmin, sandboxUrl } from "./support/sandbox-admin";
import { CredentialsPage } from "./pages/credentials-page";
import { OidcPage } from "./pages/oidc-page";
import { SetupPage } from "./pages/setup-page";
import { RotationPage } from "./pages/rotation-page";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../lib/sandbox/constants";
import { expectAccessibleAtEveryWidth } from "./support/expect-accessible";
import { BILLING_SIGNER, GATEWAY_PUSH_USER, giveBillingWorkerAnotherUsersKey, giveBillingWorkerItsRegion, giveWebGatewayItsPushUser, writeBillingWorkerKeyAgain } from "./support/second-push-user";

// Runs under playwright.fleet.config.ts: Deckhand watching acme/mcp-servers, acme/web-gateway and acme/billing-worker
// (the sandbox's `fleet` scenario: repository secrets, organization secrets, no AWS_REGION); acme/web-gateway's push
// user is ecr-push-payments (created here, its key in the organization secret that reaches web-gateway alone), the
// other two github-ecr-push's.
test.describe.configure({ timeout: 180_000 });
test.use({ storageState: "e2e/.auth/operator.json" });

test.beforeAll(async () => {
  await giveWebGatewayItsPushUser();
});

test("the fleet overview answers for every repository in one table", async ({ page }) => {
  const fleet = new FleetPage(page);
  await fleet.open();
  await expect(fleet.verdict()).toHaveAttribute("data-answer", "no");
  await expect(fleet.table().locator("tbody tr")).toHaveCount(3);
  await expect(fleet.row("acme/mcp-servers").getByTestId("fleet-secrets-from")).toHaveText("repository secret");
  await expect(fleet.row("acme/web-gateway").getByTestId("fleet-secrets-from")).toHaveText("organization secret (selected repositories)");
  const billing = fleet.row("acme/billing-worker");
  await expect(billing).toHaveAttribute("data-answer", "no");
  await expect(billing.getByTestId("fleet-failing-checks")).toContainText("AWS_REGION");
  await expect(fleet.row("acme/web-gateway").getByTestId("fleet-failing-checks")).not.toContainText("AWS_REGION");
  for (const r of ["acme/mcp-servers", "acme/billing-worker"]) {
    await expect(fleet.row(r)).toContainText("github-ecr-push");
    await expect(fleet.row(r).getByTestId("fleet-key")).toContainText("97 d");
  }
  await expect(fleet.row("acme/web-gateway")).toContainText(GATEWAY_PUSH_USER);
  // The repository's name leads to its Overview.
  await fleet.row("acme/web-gateway").getByRole("link", { name: "acme/web-gateway" }).click();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await expect(page.getByText("Can acme/web-gateway push to ECR right now")).toBeVisible();
});

test("at 390 px every repository is a card with nothing cut off, and choosing a repository in the menu closes it", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const fleet = new FleetPage(page);
  await fleet.open();
  await expect(fleet.table()).toBeHidden();
  await expect(fleet.cards()).toHaveCount(3);
  // The verdict and its reason read in full on the card, not clipped at the edge of a scrolling table.
  await expect(fleet.card("acme/billing-worker").getByTestId("fleet-reason")).toBeVisible();
  await expect(fleet.card("acme/billing-worker").getByTestId("fleet-failing-checks")).toContainText("AWS_REGION");
  expect(await fleet.cardsCutOff()).toEqual([]);
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);

  // The menu closes once another repository is chosen in it, and the page's header names the repository it shows.
  await page.getByText("Menu", { exact: true }).click();
  expect(await fleet.menuOpen()).toBe(true);
  await page.goto("/doctor");
  await page.getByText("Menu", { exact: true }).click();
  await fleet.selector().selectOption("acme/web-gateway");
  await expect(page).toHaveURL(/repo=acme(%2F|\/)web-gateway/);
  await expect(page.getByTestId("page-repository")).toHaveText(/acme\/web-gateway/);
  await expect.poll(() => fleet.menuOpen()).toBe(false);
});

test("the repository selector filters every page and keeps the choice across the navigation", async ({ page }) => {
  const fleet = new FleetPage(page);
  await page.goto("/workflows");
  await expect(page.getByText("GitHub Actions runs in acme/mcp-servers.")).toBeVisible();
  await fleet.chooseRepository("acme/billing-worker");
  await expect(page).toHaveURL(/\/workflows\?repo=acme(%2F|\/)billing-worker/);
  await expect(page.getByText("GitHub Actions runs in acme/billing-worker.")).toBeVisible();
  await expect(page.getByTestId("page-repository")).toHaveText(/acme\/billing-worker/);
  // A dispatch acts on the repository shown: offered here, no note.
  await expect(new WorkflowsPage(page).dispatchButton()).toBeVisible();
  await expect(page.getByTestId("other-repository-note")).toHaveCount(0);
  await fleet.navLink("Credentials").click();
  await expect(page).toHaveURL(/\/credentials\?repo=acme(%2F|\/)billing-worker/);
  await expect(fleet.selector()).toHaveValue("acme/billing-worker");
  // Rotation acts on the push user of the repository shown: offered here too, for billing-worker's user, no note.
  await expect(page.getByRole("link", { name: "Rotate key" })).toHaveAttribute("href", /\/credentials\/rotation\?repo=acme(%2F|\/)billing-worker/);
  await expect(page.getByTestId("other-repository-note")).toHaveCount(0);
  await fleet.navLink("Doctor").click();
  await expect(page).toHaveURL(/\/doctor\?repo=acme(%2F|\/)billing-worker/);
  // The guided setup is per repository: billing-worker's page plans billing-worker's own missing AWS_REGION.
  const setup = new SetupPage(page);
  await setup.open("acme/billing-worker");
  await expect(page.getByText("The guide's Steps 1 to 5 for acme/billing-worker")).toBeVisible();
  await expect(setup.planStep("set-region-variable")).toBeVisible();
  // The OIDC move is per repository: billing-worker's page plans billing-worker's own role, not the default's.
  const oidc = new OidcPage(page);
  await oidc.open("acme/billing-worker");
  await expect(oidc.description()).toContainText("Retire the access key of github-ecr-push in acme/billing-worker: its ECR workflow assumes the role github-ecr-push-oidc-acme+billing-worker");
  // An address without ?repo= (an inner link, a bookmark) stays on the chosen repository.
  await page.goto("/policy");
  await expect(page).toHaveURL(/\/policy\?repo=acme(%2F|\/)billing-worker/);
  await expect(fleet.selector()).toHaveValue("acme/billing-worker");
  // Back to the default repository: named once, then forgotten, and its changes are offered again.
  await fleet.chooseRepository("acme/mcp-servers");
  await expect(page).toHaveURL(/\/policy\?repo=acme(%2F|\/)mcp-servers/);
  await page.goto("/doctor");
  await expect(page).toHaveURL(/\/doctor$/);
  await expect(fleet.selector()).toHaveValue("acme/mcp-servers");
  // A repository Deckhand does not watch is never read: the page says which ones it watches.
  await page.goto("/credentials?repo=someone/else");
  await expect(page.getByTestId("not-found")).toContainText("acme/web-gateway");
});

test("a push to the second repository is built by Deckhand and its commit gets the status", async ({ page, request }) => {
  const sha = pushCommit({ "fleet-e2e.txt": `gateway ${Date.now()}\n` }, "e2e: a push to web-gateway", "acme/web-gateway");
  const pushes = new PushesPage(page);
  await pushes.open("acme/web-gateway");
  await pushes.waitForJob(sha, /succeeded|skipped/, 150_000);
  // The job page names its repository and links the commit there.
  await pushes.openJob(sha);
  const jobPath = new URL(page.url()).pathname;
  await expect(page.getByTestId("job-repository")).toHaveText("acme/web-gateway");
  await expect(page.getByRole("link", { name: sha })).toHaveAttribute("href", new RegExp(`/acme/web-gateway/commit/${sha}$`));
  // The default repository's Pushes page does not list it (named: a bare /pushes would stay on the one chosen last).
  await pushes.open("acme/mcp-servers");
  await expect(pushes.jobRow(sha)).toHaveCount(0);
  // Opened while another repository is chosen, the job still points at the commit it built.
  await page.goto(jobPath);
  await expect(page.getByTestId("job-repository")).toHaveText("acme/web-gateway");
  await expect(page.getByRole("link", { name: sha })).toHaveAttribute("href", new RegExp(`/acme/web-gateway/commit/${sha}$`));
  const statuses = await request.get(`${sandboxUrl}/api/v3/repos/acme/web-gateway/commits/${sha}/statuses`, { headers: { authorization: "token ghp_sandboxadmintoken" } });
  expect(statuses.ok()).toBe(true);
  const list = (await statuses.json()) as Array<{ context: string; state: string }>;
  expect(list.filter((s) => s.context === "deckhand/ecr-push").map((s) => s.state)).toContain("success");
});

test("dispatching on acme/web-gateway's Workflows page starts a run in acme/web-gateway, not in the default repository", async ({ page, request }) => {
  const dispatched = async (repository: string) => {
    const res = await request.get(`${sandboxUrl}/api/v3/repos/${repository}/actions/runs?event=workflow_dispatch&per_page=100`, { headers: { authorization: "token ghp_sandboxadmintoken" } });
    expect(res.ok()).toBe(true);
    return ((await res.json()) as { workflow_runs: Array<{ id: number }> }).workflow_runs.map((r) => r.id);
  };
  const [gatewayBefore, defaultBefore] = [await dispatched("acme/web-gateway"), await dispatched("acme/mcp-servers")];
  const workflows = new WorkflowsPage(page);
  await workflows.open("?repo=acme%2Fweb-gateway");
  await expect(page.getByText("GitHub Actions runs in acme/web-gateway.")).toBeVisible();
  await workflows.dispatch("main");
  await expect(page.getByTestId("dispatch-result")).toContainText("in acme/web-gateway");
  await expect.poll(async () => (await dispatched("acme/web-gateway")).length).toBe(gatewayBefore.length + 1);
  const runId = (await dispatched("acme/web-gateway")).find((id) => !gatewayBefore.includes(id))!;
  expect(await dispatched("acme/mcp-servers")).toEqual(defaultBefore);
  // The page (still web-gateway's) lists the new run.
  await page.reload();
  await expect(workflows.runRow(runId)).toBeVisible();
});

test("an operator rotates acme/web-gateway's own push user from its Credentials page; the default repository's key stays", async ({ page }) => {
  const secretOf = async (route: string) => ((await (await sandboxAdmin("GET", route)).json()) as { value: string }).value;
  const defaultKeyBefore = await secretOf("/_sandbox/github/repos/acme/mcp-servers/secrets/AWS_ACCESS_KEY_ID");
  const billingKeyBefore = await secretOf("/_sandbox/github/repos/acme/billing-worker/secrets/AWS_ACCESS_KEY_ID");
  const gatewayKeyBefore = await secretOf("/_sandbox/github/orgs/acme/secrets/AWS_ACCESS_KEY_ID");

  await page.goto("/credentials?repo=acme%2Fweb-gateway&refresh=1");
  await expect(page.getByRole("heading", { name: "Credentials", level: 1 })).toBeVisible();
  await expect(page.getByText(`Access keys of the IAM user ${GATEWAY_PUSH_USER}`)).toBeVisible();
  await expect(new CredentialsPage(page).keyRows()).toHaveCount(1);
  await expect(new CredentialsPage(page).keyRows().first()).toContainText(gatewayKeyBefore);
  await expect(page.getByTestId("other-repository-note")).toHaveCount(0);
  await page.getByRole("link", { name: "Rotate key" }).click();

  const rotation = new RotationPage(page);
  await expect(page).toHaveURL(/\/credentials\/rotation\?repo=acme(%2F|\/)web-gateway/);
  await expect(rotation.planUser()).toHaveText(GATEWAY_PUSH_USER);
  // Only where web-gateway's key lives: the organization secret selected for it alone.
  await expect(rotation.planHolders()).toHaveCount(1, { timeout: 30_000 });
  await expect(rotation.planHolders().first()).toContainText("the organization acme's secrets");
  const id = await rotation.rotateAndConfirm();
  expect(id).toBeGreaterThan(0);
  await expect(rotation.user()).toHaveText(GATEWAY_PUSH_USER);
  await expect(rotation.repository()).toHaveText("acme/web-gateway");
  await rotation.waitForState("completed", 120_000);
  await expect(rotation.holders()).toHaveCount(1);
  await expect(rotation.holders().first()).toHaveAttribute("data-written", "yes");
  await expect(rotation.canaries()).toHaveCount(1);
  await expect(rotation.canaries().first()).toHaveAttribute("data-conclusion", "success");
  await expect(rotation.canaries().first()).toContainText("acme/web-gateway");
  // Its run opens on Deckhand's own run page of web-gateway (GitHub's address does not answer in sandbox mode).
  await expect(rotation.canaries().first().getByRole("link", { name: "run" })).toHaveAttribute("href", /^\/workflows\/runs\/\d+\?repo=acme%2Fweb-gateway$/);

  // web-gateway holds the new key; the default repository and billing-worker hold what they held.
  await expect.poll(() => secretOf("/_sandbox/github/orgs/acme/secrets/AWS_ACCESS_KEY_ID")).not.toBe(gatewayKeyBefore);
  expect(await secretOf("/_sandbox/github/repos/acme/mcp-servers/secrets/AWS_ACCESS_KEY_ID")).toBe(defaultKeyBefore);
  expect(await secretOf("/_sandbox/github/repos/acme/billing-worker/secrets/AWS_ACCESS_KEY_ID")).toBe(billingKeyBefore);
  // Its Credentials page shows the old key inactive beside the new one.
  await page.goto("/credentials?repo=acme%2Fweb-gateway&refresh=1");
  await expect(new CredentialsPage(page).keyRows()).toHaveCount(2);
  await expect(page.getByTestId(`key-${gatewayKeyBefore}`)).toContainText("Inactive");
});

test("a key action's confirmation names the other repositories of the key's push user, and none when it has none", async ({ page }) => {
  await page.goto("/credentials?repo=acme%2Fmcp-servers&refresh=1");
  // The row's cells run together in its text ("AKIA…Active97 days"): the active key's row is the one not "Inactive".
  const active = () => new CredentialsPage(page).keyRows().filter({ hasNotText: "Inactive" }).first();
  await active().getByRole("button", { name: "deactivate" }).click();
  const confirm = page.getByRole("form", { name: /^Confirm: deactivate / });
  await expect(confirm.getByTestId("key-action-shared")).toHaveText("github-ecr-push is the push user of acme/billing-worker too: their pushes stop as well if their secrets hold this key.");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  // web-gateway's push user serves it alone.
  await page.goto("/credentials?repo=acme%2Fweb-gateway&refresh=1");
  await active().getByRole("button", { name: "deactivate" }).click();
  await expect(page.getByRole("form", { name: /^Confirm: deactivate / })).toBeVisible();
  await expect(page.getByTestId("key-action-shared")).toHaveCount(0);
});

test("the default repository's rotation plan says before it starts that billing-worker's canary cannot pass (no AWS_REGION), and the Fleet page shows the rotation it stopped", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto("/credentials/rotation?repo=acme%2Fmcp-servers");
  const warnings = page.getByTestId("rotation-warnings");
  await expect(warnings).toContainText("acme/billing-worker's runs get no AWS_REGION variable at any scope: its canary will fail", { timeout: 30_000 });
  await expect(warnings).not.toContainText("web-gateway");
  // A warning, not a blocker: the operator may still rotate. It stops as warned, before the old key is deactivated.
  const rotation = new RotationPage(page);
  const id = await rotation.rotateAndConfirm();
  await rotation.waitForState("stopped", 120_000);
  // The Fleet page says so on the push user's rows (as the Overview does), linking the rotation and its Resume.
  await page.goto("/fleet?refresh=1");
  for (const repository of ["acme/mcp-servers", "acme/billing-worker"]) {
    const link = page.locator(`tr[data-repository="${repository}"]`).getByTestId("fleet-rotation");
    await expect(link).toHaveAttribute("data-state", "stopped");
    await expect(link.getByRole("link", { name: "key rotation stopped: resume it" })).toHaveAttribute("href", `/credentials/rotation/${id}`);
  }
  // acme/web-gateway has a push user of its own: its row names no rotation of github-ecr-push.
  await expect(page.locator('tr[data-repository="acme/web-gateway"]').getByTestId("fleet-rotation")).toHaveCount(0);
});

test("no serious axe finding on the Fleet page and another repository's Workflows, at a phone's width and a desktop's", async ({ page }) => {
  for (const path of ["/fleet", "/workflows?repo=acme%2Fweb-gateway"]) {
    await page.goto(path, { waitUntil: "load" });
    // Runs dispatched by the tests above (the rotation's canary) refresh the page while they move; axe reading a
    // page being replaced reports nodes that are gone, so check it once they have finished.
    await expect(page.getByTestId("run-poller")).toHaveCount(0, { timeout: 90_000 });
    await expectAccessibleAtEveryWidth(page, path);
  }
});

test("acme/web-gateway moves to a role of its own in the browser: its push user's role, its pull request, the default repository untouched", async ({ page }) => {
  const role = `${GATEWAY_PUSH_USER}-oidc-acme+web-gateway`;
  const oidc = new OidcPage(page);
  await oidc.open("acme/web-gateway");
  await expect(oidc.description()).toContainText(`Retire the access key of ${GATEWAY_PUSH_USER} in acme/web-gateway: its ECR workflow assumes the role ${role}`);
  await expect(oidc.subjects()).toContainText("web-gateway");
  await expect(oidc.subjects()).not.toContainText("mcp-servers");
  await oidc.applyAndConfirm();
  await expect(oidc.moveState()).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
  // The pull request is web-gateway's.
  await expect(oidc.pullRequestLink()).toHaveAttribute("href", /\/acme\/web-gateway\/pull\/\d+$/);
  // The default repository has no move and still plans its own role, under the name it always had.
  await oidc.open("acme/mcp-servers");
  await expect(oidc.description()).toContainText("assumes the role github-ecr-push-oidc with");
  await expect(oidc.moveState()).toHaveCount(0);
  const branch = await fetch(`${sandboxUrl}/api/v3/repos/acme/mcp-servers/git/ref/heads/deckhand/oidc-role`, { headers: { authorization: `Bearer ${SANDBOX_GITHUB_ADMIN_TOKEN}` } });
  expect(branch.status).toBe(404);
  // Back on web-gateway's Credentials page, its role is found under its own name, and the link keeps the repository.
  await page.goto("/credentials?repo=acme%2Fweb-gateway&refresh=1");
  await expect(page.getByTestId("oidc-role-summary")).toContainText(`role/${role}`);
  await expect(page.getByRole("link", { name: "Move to the OIDC role" })).toHaveAttribute("href", /\/credentials\/oidc\?repo=acme(%2F|\/)web-gateway/);
});

test("an operator runs the guided setup of acme/billing-worker in the browser: its AWS_REGION variable is written there, the canary passes there, and its Fleet row no longer fails on AWS_REGION", async ({ page }) => {
  const setup = new SetupPage(page);
  await setup.open("acme/billing-worker");
  await expect(setup.item("variable")).toHaveAttribute("data-status", "missing");
  await setup.applyAndConfirm();
  await expect(setup.run()).toHaveAttribute("data-state", "completed", { timeout: 90_000 });
  await expect(setup.step("set-region-variable")).toBeVisible();
  const region = await fetch(`${sandboxUrl}/api/v3/repos/acme/billing-worker/actions/variables/AWS_REGION`, { headers: { authorization: `Bearer ${SANDBOX_GITHUB_ADMIN_TOKEN}` } });
  expect(region.status).toBe(200);
  expect(((await region.json()) as { value: string }).value).toBe("us-east-1");
  // Its Fleet row no longer fails on AWS_REGION.
  const fleet = new FleetPage(page);
  await page.goto("/fleet?refresh=1");
  await expect(fleet.row("acme/billing-worker").getByTestId("fleet-failing-checks")).not.toContainText("AWS_REGION");
  // The default repository's Setup page shows no run of its own.
  await setup.open("acme/mcp-servers");
  await expect(setup.run()).toHaveCount(0);
});

// Last in this file: it lets a day pass in the sandbox (POST /_sandbox/age) so CloudTrail counts as delivered for a
// run that just ended, and nothing after it may see that. The configuration's next run starts from a new sandbox.
test("acme/billing-worker holds another IAM user's key: its row offers that user, the operator adopts it, Credentials follows, and stops using it", async ({ page }) => {
  test.setTimeout(420_000);
  const fleet = new FleetPage(page);
  // The default push user's rotation the test above stopped at billing-worker's canary (no AWS_REGION) must finish
  // first: a push user is never changed under a rotation (the adoption would be refused, naming it).
  await giveBillingWorkerItsRegion();
  await fleet.open();
  const stopped = fleet.row("acme/billing-worker").getByTestId("fleet-rotation");
  // When the rotation wrote billing-worker's secret itself (ms since epoch): see writeBillingWorkerKeyAgain below.
  let deckhandWroteBefore = 0;
  if ((await stopped.count()) > 0) {
    await stopped.getByRole("link").click();
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await page.getByRole("button", { name: "Resume the rotation" }).click();
    await new RotationPage(page).waitForState("completed", 150_000);
    deckhandWroteBefore = Date.now();
  }
  const { accessKeyId } = await giveBillingWorkerAnotherUsersKey();
  // CloudTrail is read for a run only once its events may have been delivered (15 minutes): let a day pass.
  expect((await sandboxAdmin("POST", "/_sandbox/age", { days: 1 })).ok).toBe(true);
  // Deckhand's store is not aged: its record of the rotation's write must not fall near the secret's new time (the
  // key correlation credits a write of its own within 3 minutes of it), so the write again comes later than that.
  const wait = deckhandWroteBefore + 200_000 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await writeBillingWorkerKeyAgain();

  // A Fleet view queues the CloudTrail lookup (paced) and a later one shows what it found.
  await expect(async () => {
    await fleet.open();
    await expect(fleet.adoptButton("acme/billing-worker", BILLING_SIGNER)).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(fleet.row("acme/billing-worker")).toContainText(`holds a key of ${BILLING_SIGNER}`);
  // A push user named in GITHUB_REPOSITORIES is never offered (acme/web-gateway:ecr-push-payments), nor one whose key is held.
  await expect(fleet.row("acme/web-gateway").getByTestId("fleet-adopt")).toHaveCount(0);
  await expect(fleet.row("acme/mcp-servers").getByTestId("fleet-adopt")).toHaveCount(0);
  await expectAccessibleAtEveryWidth(page, "/fleet offering a push user");

  await fleet.adopt("acme/billing-worker", BILLING_SIGNER);
  await expect(fleet.adopted("acme/billing-worker")).toContainText(/adopted by octo-operator .* \(CloudTrail named it for run #\d+; default github-ecr-push\)/, { timeout: 30_000 });
  const row = fleet.row("acme/billing-worker");
  await expect(row.locator("td").nth(2)).toContainText(BILLING_SIGNER);
  await expect(row).not.toContainText("holds a key of");
  await expect(fleet.row("acme/mcp-servers")).toContainText("github-ecr-push");
  // Its key is the adopted user's own now.
  await fleet.open();
  await expect(row.getByTestId("fleet-key")).toContainText(`…${accessKeyId.slice(-4)}`);
  await expectAccessibleAtEveryWidth(page, "/fleet with an adopted push user");

  // Its Credentials page manages the adopted user's keys, and names the key GitHub holds.
  await page.goto("/credentials?repo=acme%2Fbilling-worker&refresh=1");
  await expect(page.getByText(`Access keys of the IAM user ${BILLING_SIGNER}`)).toBeVisible();
  const credentials = new CredentialsPage(page);
  await expect(credentials.keyRows()).toHaveCount(1);
  await expect(page.getByTestId(`key-${accessKeyId}`)).toBeVisible();
  await expect(page.getByTestId("held-key")).toContainText(accessKeyId);

  // Undo: back to the default push user, and the row offers the adoption again.
  await fleet.open();
  await fleet.stopUsing("acme/billing-worker", BILLING_SIGNER, "github-ecr-push");
  await expect(fleet.adopted("acme/billing-worker")).toHaveCount(0, { timeout: 30_000 });
  await expect(fleet.row("acme/billing-worker").locator("td").nth(2)).toContainText("github-ecr-push");
  await expect(fleet.adoptButton("acme/billing-worker", BILLING_SIGNER)).toBeVisible({ timeout: 30_000 });
  await page.goto("/credentials?repo=acme%2Fbilling-worker&refresh=1");
  await expect(page.getByText("Access keys of the IAM user github-ecr-push")).toBeVisible();
});
