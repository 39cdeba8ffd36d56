import { test as setup } from "@playwright/test";
import { SignInPage } from "./pages/sign-in-page";

// Each role signs in once through the real OAuth flow; the other projects reuse the stored sessions.
for (const [login, role] of [
  ["octo-operator", "operator"],
  ["octo-viewer", "viewer"],
] as const) {
  setup(`sign in as ${role}`, async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs(login);
    await signIn.expectSignedInAs(login, role);
    await page.context().storageState({ path: `e2e/.auth/${role}.json` });
  });
}
