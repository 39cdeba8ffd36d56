import { expect, type Page } from "@playwright/test";

/** Sign-in through the real OAuth redirect: Deckhand → sandbox authorize page → callback. */
export class SignInPage {
  constructor(private page: Page) {}

  async signInAs(login: string) {
    await this.page.goto("/sign-in");
    await this.page.getByRole("button", { name: "Sign in with GitHub" }).click();
    await this.page.getByRole("button", { name: `Continue as ${login}` }).click();
  }

  async expectSignedInAs(login: string, role: "operator" | "viewer") {
    await expect(this.page.getByTestId("current-user")).toContainText(login);
    await expect(this.page.getByTestId("current-role")).toHaveText(role);
  }
}
