import { expect, type Page } from "@playwright/test";

export class SetupPage {
  constructor(private page: Page) {}

  /** Open the page of `repo` (owner/name; the chosen repository when absent). */
  async open(repo?: string) {
    await this.page.goto(repo ? `/setup?repo=${encodeURIComponent(repo)}` : "/setup");
    await expect(this.page.getByRole("heading", { name: "Setup", level: 1 })).toBeVisible();
  }

  item(id: string) {
    return this.page.getByTestId(`setup-item-${id}`);
  }

  planStep(id: string) {
    return this.page.getByTestId(`plan-step-${id}`);
  }

  applyButton() {
    return this.page.getByRole("button", { name: "Apply setup" });
  }

  /** Apply and confirm; resolves once the page shows the new setup run (not an earlier one). */
  async applyAndConfirm(opts: { removeRegionSecret?: boolean } = {}) {
    const earlier = (await this.page.getByTestId("setup-run").count()) ? await this.page.getByTestId("setup-run").getAttribute("data-setup-id") : null;
    await this.applyButton().click();
    if (opts.removeRegionSecret) await this.page.getByTestId("confirm-remove-region-secret").check();
    await this.page.getByRole("button", { name: "Confirm setup" }).click();
    await expect(this.page.getByTestId("setup-run")).not.toHaveAttribute("data-setup-id", earlier ?? "none", { timeout: 20_000 });
    await expect(this.page.getByTestId("setup-run")).toBeVisible();
  }

  run() {
    return this.page.getByTestId("setup-run");
  }

  step(id: string) {
    return this.page.getByTestId(`setup-step-${id}`);
  }

  doctorCheck(id: string) {
    return this.page.getByTestId(`setup-doctor-${id}`);
  }

  doctorChecks() {
    return this.page.getByTestId("setup-doctor").locator("[data-testid^=setup-doctor-]");
  }
}
