import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { FleetPage } from "./pages/fleet-page";

// Runs under playwright.discovery.config.ts: Deckhand names acme/mcp-servers and discovers the rest of acme (acme/*)
// in the sandbox's `fleet` scenario, where acme/web-gateway and acme/billing-worker also push with the key.
test.describe.configure({ timeout: 180_000 });
test.use({ storageState: "e2e/.auth/operator.json" });

test("repositories found under acme/* are served beside the named one, and the Fleet page says they were discovered", async ({ page }) => {
  const fleet = new FleetPage(page);
  // Discovery runs at start, beside the first requests: wait for its answer.
  await expect(async () => {
    await fleet.open();
    await expect(fleet.table().locator("tbody tr")).toHaveCount(3, { timeout: 1_000 });
  }).toPass({ timeout: 120_000 });
  await expect(fleet.row("acme/mcp-servers").getByTestId("fleet-discovered")).toHaveCount(0);
  for (const r of ["acme/web-gateway", "acme/billing-worker"]) await expect(fleet.row(r).getByTestId("fleet-discovered")).toHaveText("discovered (acme/*)");
  const discovery = fleet.discovery("acme/*");
  await expect(discovery).toContainText("acme/* (push user github-ecr-push): 3 repositories discovered");
  await expect(discovery.getByTestId("fleet-discovery-failure")).toHaveCount(0);
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`)).toEqual([]);
});

test("a discovered repository can be chosen, is remembered, and is not a 404", async ({ page }) => {
  const fleet = new FleetPage(page);
  await page.goto("/");
  await expect(fleet.selector()).toBeVisible({ timeout: 120_000 });
  await expect(async () => {
    await page.reload();
    await expect(fleet.selector().locator("option")).toHaveCount(3, { timeout: 1_000 });
  }).toPass({ timeout: 120_000 });
  await fleet.chooseRepository("acme/billing-worker");
  await expect(page.getByText("Can acme/billing-worker push to ECR right now")).toBeVisible();
  // A page asked for without ?repo= stays on the chosen (discovered) repository: the cookie took it.
  await page.goto("/doctor");
  await expect(page).toHaveURL(/repo=acme%2Fbilling-worker|repo=acme\/billing-worker/);
  // A repository of acme that does not push with the key is still unknown.
  const response = await page.goto("/?repo=acme/not-a-pusher");
  expect(response?.status()).toBe(404);
});
