import { expect, test } from "@playwright/test";
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
});
