import { expect, type Page } from "@playwright/test";

export class SettingsPage {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto("/settings");
    await expect(this.page.getByRole("heading", { name: "Settings" })).toBeVisible();
  }

  field(label: string) {
    return this.page.getByLabel(label);
  }

  async setThresholds(values: { rotate: number | string; warn: number | string; unused: number | string }) {
    await this.field("Rotate keys at (days)").fill(String(values.rotate));
    await this.field("Warn from (days)").fill(String(values.warn));
    await this.field("Unused after (days)").fill(String(values.unused));
    await this.page.getByRole("button", { name: "Save thresholds" }).click();
  }

  /** The rule a field broke, shown beside it after a refused save. */
  fieldError(name: "rotateAfterDays" | "warnAfterDays" | "unusedAfterDays") {
    return this.page.getByTestId(`${name}-error`);
  }

  status() {
    return this.page.getByRole("form", { name: "Key thresholds" }).getByRole("status");
  }

  /** The webhook pushes switch: its state line and its one button. */
  webhookPushes() {
    return this.page.getByRole("form", { name: "Webhook pushes" });
  }
}
