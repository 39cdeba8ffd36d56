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

  /** The row of the "where a run gets it from" table for one secret or variable name. */
  sourceRow(name: string) {
    return this.page.getByTestId("secret-sources").locator(`tbody tr[data-name="${name}"]`);
  }

  keyRows() {
    return this.page.getByTestId("keys-table").locator("tbody tr");
  }
}
