import { expect, test } from "@playwright/test";

/**
 * Refreshes the README's screenshot from today's app: `README_SCREENSHOT=1 npx playwright test e2e/readme-screenshot.spec.ts`.
 * Skipped in ordinary runs (it writes into public/).
 */
test.describe("README screenshot", () => {
  test.skip(!process.env.README_SCREENSHOT, "set README_SCREENSHOT=1 to refresh public/readme/overview.png");
  test.use({ storageState: "e2e/.auth/operator.json", viewport: { width: 1280, height: 800 } });

  test("the Overview, as an operator sees it in sandbox mode", async ({ page }) => {
    await page.goto("/", { waitUntil: "load" });
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await page.screenshot({ path: "public/readme/overview.png" });
  });
});
