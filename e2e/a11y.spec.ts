import { expect, test, type Page } from "@playwright/test";
import { expectAccessible } from "./support/expect-accessible";

// axe over a long page (Activity's event table) takes a while on a shared machine.
test.describe.configure({ timeout: 180_000 });

/** Every page, as a signed-in operator; the sign-in page without a session. */
const PAGES = ["/", "/fleet", "/credentials", "/credentials/rotation", "/credentials/oidc", "/policy", "/activity", "/registry", "/registry/mcp-server-tcp", "/workflows", "/pushes", "/doctor", "/setup", "/audit", "/settings", "/workflows/deckhand-pushes"];

const WIDTHS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 800 },
];

async function check(page: Page, path: string) {
  await page.goto(path, { waitUntil: "load" });
  // Activity lists hundreds of CloudTrail rows of one markup: the first rows stand for the rest (axe over all
  // of them takes minutes on a shared machine). Their width still counts.
  await expectAccessible(page, path, path === "/activity" ? ['[data-testid="events-table"] tbody tr:nth-child(n+11)'] : []);
}

for (const size of WIDTHS) {
  test.describe(`every page at ${size.width} px (${size.name})`, () => {
    test.use({ storageState: "e2e/.auth/operator.json", viewport: { width: size.width, height: size.height } });

    for (const path of PAGES) {
      test(`${path}: no serious axe finding, no sideways scroll`, async ({ page }) => {
        await check(page, path);
      });
    }

    // Pages with an id in the address: a seeded workflow run here; a rotation's and a push job's pages are checked
    // by rotation.spec.ts and pushes.spec.ts once they have made one.
    test("a workflow run's page: no serious axe finding, no sideways scroll", async ({ page }) => {
      await page.goto("/workflows");
      const href = await page.locator('a[href^="/workflows/runs/"]').first().getAttribute("href");
      expect(href).toMatch(/^\/workflows\/runs\/\d+/);
      await check(page, href!);
    });

    test("sign-in page", async ({ browser }) => {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, storageState: { cookies: [], origins: [] } });
      try {
        await check(await context.newPage(), "/sign-in");
      } finally {
        await context.close();
      }
    });
  });
}

test.describe("phone navigation and keyboard", () => {
  test.use({ storageState: "e2e/.auth/operator.json", viewport: { width: 390, height: 844 } });

  test("the navigation collapses into a Menu button that opens and takes you to a page", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
    await page.getByText("Menu", { exact: true }).click();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Registry" }).click();
    await expect(page).toHaveURL(/\/registry$/);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  });

  test("the first Tab reaches a visible skip link that moves focus to the page's content", async ({ page }) => {
    await page.goto("/settings");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeVisible();
    const outline = await skip.evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe("none");
    await page.keyboard.press("Enter");
    await expect(page.locator("main#main")).toBeFocused();
  });
});
