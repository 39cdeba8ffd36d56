import { expect, test } from "@playwright/test";
import { FleetPage } from "./pages/fleet-page";
import { expectAccessible } from "./support/expect-accessible";

// Runs under playwright.discovery.config.ts: Deckhand names acme/mcp-servers and discovers the rest of acme (acme/*)
// in the sandbox's `fleet` scenario, where acme/web-gateway takes the organization's secret (discovered) and
// acme/billing-worker holds its own repository copy (its administrator's word: not discovered).
test.describe.configure({ timeout: 180_000 });
test.use({ storageState: "e2e/.auth/operator.json" });

test("repositories found under acme/* are served beside the named one, and the Fleet page says they were discovered", async ({ page }) => {
  const fleet = new FleetPage(page);
  // Discovery runs at start, beside the first requests: wait for its answer.
  await expect(async () => {
    await fleet.open();
    await expect(fleet.table().locator("tbody tr")).toHaveCount(2, { timeout: 1_000 });
  }).toPass({ timeout: 120_000 });
  await expect(fleet.row("acme/mcp-servers").getByTestId("fleet-discovered")).toHaveCount(0);
  await expect(fleet.row("acme/web-gateway").getByTestId("fleet-discovered")).toHaveText("discovered (acme/*)");
  await expect(fleet.row("acme/billing-worker")).toHaveCount(0);
  const discovery = fleet.discovery("acme/*");
  await expect(discovery).toContainText("acme/* (push user github-ecr-push): 1 repository discovered");
  await expect(discovery.getByTestId("fleet-discovery-failure")).toHaveCount(0);
  await expectAccessible(page, "Fleet with a discovered repository");
});

test("a discovered repository can be chosen, is remembered, and is not a 404", async ({ page }) => {
  const fleet = new FleetPage(page);
  await page.goto("/");
  await expect(fleet.selector()).toBeVisible({ timeout: 120_000 });
  await expect(async () => {
    await page.reload();
    await expect(fleet.selector().locator("option")).toHaveCount(2, { timeout: 1_000 });
  }).toPass({ timeout: 120_000 });
  await fleet.chooseRepository("acme/web-gateway");
  await expect(page.getByText("Can acme/web-gateway push to ECR right now")).toBeVisible();
  // A page asked for without ?repo= stays on the chosen (discovered) repository: the cookie took it.
  await page.goto("/doctor");
  await expect(page).toHaveURL(/repo=acme%2Fweb-gateway|repo=acme\/web-gateway/);
  // A repository of acme that does not push with the key is still unknown.
  const response = await page.goto("/?repo=acme/not-a-pusher");
  expect(response?.status()).toBe(404);
  // Nor is one whose AWS_ACCESS_KEY_ID is only its own repository secret (whoever creates a repository can set one).
  expect((await page.goto("/?repo=acme/billing-worker"))?.status()).toBe(404);
});
