import { expect, test } from "@playwright/test";
import { E2E_PORT } from "../playwright.config";
import { SignInPage } from "./pages/sign-in-page";

test.describe("sign-in", () => {
  test("an operator signs in through GitHub OAuth and sees the sandbox banner", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("octo-operator");
    await signIn.expectSignedInAs("octo-operator", "operator");
    await expect(page.getByTestId("mode-banner")).toContainText("Sandbox mode");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText([
      "Overview",
      "Credentials",
      "Policy",
      "Activity",
      "Registry",
      "Workflows",
      "Pushes",
      "Doctor",
      "Setup",
      "Audit",
      "Settings",
    ]);
  });

  test("a viewer signs in read-only", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("octo-viewer");
    await signIn.expectSignedInAs("octo-viewer", "viewer");
  });

  test("a login on neither list is refused with the reason, and gets no session", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("mallory");
    await expect(page).toHaveURL(/\/refused/);
    await expect(page.getByTestId("refused-reason")).toContainText("mallory");
    await expect(page.getByTestId("refused-reason")).toContainText("DECKHAND_OPERATORS");
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("pages need a session", async ({ page }) => {
    for (const path of ["/", "/credentials", "/audit", "/settings"]) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/sign-in/);
    }
  });

  test("signing out ends the session", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("octo-viewer");
    await signIn.expectSignedInAs("octo-viewer", "viewer");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("sign-in started on another address of the app (127.0.0.1 instead of localhost) goes to DECKHAND_URL first and works", async ({ page }) => {
    await page.goto(`http://127.0.0.1:${E2E_PORT}/sign-in`);
    await expect(page).toHaveURL(new RegExp(`^http://localhost:${E2E_PORT}/sign-in`));
    await page.getByRole("button", { name: "Sign in with GitHub" }).click();
    await page.getByRole("button", { name: "Continue as octo-viewer" }).click();
    await new SignInPage(page).expectSignedInAs("octo-viewer", "viewer");
  });

  test("sign-in works before the page has hydrated: the button is a plain form post", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto("/sign-in?callbackUrl=%2Fsettings");
      await page.getByRole("button", { name: "Sign in with GitHub" }).click();
      await page.getByRole("button", { name: "Continue as octo-viewer" }).click();
      await expect(page).toHaveURL(/\/settings$/);
      await new SignInPage(page).expectSignedInAs("octo-viewer", "viewer");
    } finally {
      await context.close();
    }
  });

  test("signing out ends the session on the server: the old cookie no longer works", async ({ page, browser }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("octo-viewer");
    await signIn.expectSignedInAs("octo-viewer", "viewer");
    const stolen = await page.context().cookies();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    const other = await browser.newContext();
    try {
      await other.addCookies(stolen);
      const again = await other.newPage();
      await again.goto("/settings");
      await expect(again).toHaveURL(/\/sign-in/);
    } finally {
      await other.close();
    }
  });

  test("pages carry a Content-Security-Policy that Next.js's own scripts satisfy, and no HSTS over http", async ({ page }) => {
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const res = await page.goto("/sign-in");
    const csp = res!.headers()["content-security-policy"];
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res!.headers()["strict-transport-security"]).toBeUndefined();
    const signIn = new SignInPage(page);
    await signIn.signInAs("octo-operator");
    await signIn.expectSignedInAs("octo-operator", "operator");
    // Hydrated: client navigation works (a client component reacts).
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    expect(violations).toEqual([]);
  });
});
