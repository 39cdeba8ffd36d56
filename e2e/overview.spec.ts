import { E2E_SANDBOX_PORT } from "../playwright.config";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { OverviewPage } from "./pages/overview-page";

const SANDBOX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;

async function sandbox(request: APIRequestContext, method: "POST" | "DELETE", route: string, data?: unknown) {
  const res = await request.fetch(`${SANDBOX}${route}`, { method, headers: { authorization: "Bearer sandbox-admin-token" }, data });
  expect(res.ok()).toBe(true);
}

test.describe("overview", () => {
  test.use({ storageState: "e2e/.auth/viewer.json" });

  test("answers can we push: key verdict, drift, last run, doctor, chart, each linked", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open("?refresh=1");
    await expect(overview.card("key").getByTestId("key-age").first()).toHaveText("97 days old");
    await expect(overview.card("key").getByTestId("key-verdict").first()).toHaveAttribute("data-verdict", "rotate");
    await expect(overview.card("drift").getByTestId("drift-missing")).not.toHaveText("0 missing");
    await expect(overview.card("last-run").getByTestId("run-status")).toBeVisible();
    // Other specs may have pushed before this one (one shared sandbox): either state is the card's.
    await expect(overview.card("pushes")).toContainText(/No Deckhand pushes yet\.|mcp-server-tcp/);
    await expect(overview.card("doctor").locator("a[data-check-id]").first()).toHaveAttribute("href", /^\/doctor#/);
    await expect(overview.card("held-key").getByTestId("held-key")).toBeVisible();
    await expect(overview.chart().locator("g[data-day]")).toHaveCount(30);
    await expect(overview.card("key").getByRole("link", { name: "Details →" })).toHaveAttribute("href", "/credentials");
  });

  test("one verdict at the top: the seeded drift means no, with the Doctor check that decided it; every card says how old its data is", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open("?refresh=1");
    await expect(overview.verdict()).toHaveAttribute("data-answer", "no");
    const firstFailing = overview.card("doctor").locator("a[data-check-id]").first();
    const checkId = await firstFailing.getAttribute("data-check-id");
    await expect(overview.verdict().getByRole("link", { name: "What to do →" })).toHaveAttribute("href", `/doctor#${checkId}`);
    await expect(overview.verdict().getByTestId("data-age")).toContainText(/Data from (just now|\d+ min ago)/);
    for (const id of ["key", "held-key", "drift", "last-run", "doctor"] as const) await expect(overview.card(id).getByTestId("data-age")).toBeVisible();
  });

  test("still shows what it can while IAM is throttled", async ({ page, request }) => {
    await sandbox(request, "POST", "/_sandbox/faults", { service: "iam", operation: "*", kind: "throttle", count: -1 });
    try {
      const overview = new OverviewPage(page);
      await overview.open("?refresh=1");
      await expect(overview.card("key").getByTestId("card-error")).toContainText(/throttled/i, { timeout: 45_000 });
      // Never "yes" on data it could not read: the verdict names the call that failed.
      await expect(overview.verdict()).toHaveAttribute("data-answer", /unknown|no/);
      await expect(overview.verdict()).not.toHaveAttribute("data-answer", "yes");
      await expect(overview.card("last-run").getByTestId("run-status")).toBeVisible();
      await expect(overview.chart()).toBeVisible();
    } finally {
      await sandbox(request, "DELETE", "/_sandbox/faults");
    }
  });

  test("auto-refresh can be paused and set, and keeps the page in place", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    await page.getByLabel("Auto-refresh interval").selectOption("15");
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByRole("button", { name: "Resume" })).toBeVisible();
    await page.reload();
    await expect(page.getByLabel("Auto-refresh interval")).toHaveValue("15");
  });

  test.describe("an empty account", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });
    test.afterEach(async ({ request }) => {
      await sandbox(request, "POST", "/_sandbox/reset", { scenario: "default" });
    });

    test("points to Setup instead of red cards, and offers no rotation", async ({ page, request }) => {
      await sandbox(request, "POST", "/_sandbox/reset", { scenario: "empty" });
      const overview = new OverviewPage(page);
      await overview.open("?refresh=1");
      await expect(overview.verdict()).toHaveAttribute("data-answer", "not-set-up");
      await expect(overview.verdict().getByRole("link", { name: "Start the guided setup →" })).toHaveAttribute("href", "/setup");
      await expect(page.locator("[data-tone=fail]")).toHaveCount(0);
      await page.goto("/credentials?refresh=1");
      await expect(page.getByTestId("not-set-up")).toContainText("github-ecr-push does not exist");
      await expect(page.getByRole("link", { name: "Rotate key" })).toHaveCount(0);
      // Reached by its address, the rotation plan says the same, with the way to Setup and no Rotate button.
      await page.goto("/credentials/rotation");
      await expect(page.getByTestId("rotation-blockers")).toContainText("The push user github-ecr-push does not exist in this account yet: run the guided setup first.");
      await expect(page.getByTestId("rotation-blockers").getByRole("link", { name: "Start the guided setup →" })).toHaveAttribute("href", "/setup");
      await expect(page.getByRole("button", { name: "Rotate key" })).toHaveCount(0);
    });
  });
});
