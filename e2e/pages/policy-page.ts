import { expect, type Page } from "@playwright/test";

export class PolicyPage {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto("/policy?refresh=1");
    await expect(this.page.getByRole("heading", { name: "Policy", level: 1 })).toBeVisible();
  }

  drift(baseline: "expected" | "minimal-push" | "cloudtrail") {
    return this.page.getByTestId(`drift-${baseline}`);
  }

  applyButton() {
    return this.page.getByRole("button", { name: "Apply expected policy…" });
  }

  async applyExpectedPolicy() {
    await expect(this.page.getByTestId("policy-diff")).toBeVisible();
    await this.applyButton().click();
    const confirm = this.page.getByRole("form", { name: "Confirm policy change" });
    await expect(confirm).toBeVisible();
    await confirm.getByRole("button", { name: "Confirm and apply" }).click();
  }
}
