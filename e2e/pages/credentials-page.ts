import { expect, type Page } from "@playwright/test";

export class CredentialsPage {
  constructor(private page: Page) {}

  /** Always with ?refresh=1: another test may have changed the sandbox within the 30-second cache. */
  async open() {
    await this.page.goto("/credentials?refresh=1");
    await expect(this.page.getByRole("heading", { name: "Credentials", level: 1 })).toBeVisible();
  }

  section(name: "Access keys" | "Which key GitHub holds" | "GitHub configuration") {
    return this.page.getByRole("region", { name });
  }

  keyRows() {
    return this.page.getByTestId("keys-table").locator("tbody tr");
  }
}
