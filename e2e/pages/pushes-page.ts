import { expect, type Page } from "@playwright/test";

export class PushesPage {
  constructor(private page: Page) {}

  /** `repo`: a configured repository other than the default (several configured). */
  async open(repo?: string) {
    await this.page.goto(repo ? `/pushes?repo=${encodeURIComponent(repo)}` : "/pushes");
    await expect(this.page.getByRole("heading", { name: "Pushes" })).toBeVisible();
  }

  jobRow(sha: string) {
    return this.page.getByTestId("jobs-table").locator("tbody tr").filter({ hasText: sha.slice(0, 7) });
  }

  deliveryRows() {
    return this.page.getByTestId("deliveries-table").locator("tbody tr");
  }

  /** Reload until the job for this commit shows one of the states (the worker runs in the background). */
  async waitForJob(sha: string, states: RegExp, timeoutMs = 120_000) {
    await expect(async () => {
      await this.page.reload();
      await expect(this.jobRow(sha).first()).toContainText(states, { timeout: 1000 });
    }).toPass({ timeout: timeoutMs, intervals: [1000, 2000] });
  }

  async openJob(sha: string) {
    await this.jobRow(sha).first().getByRole("link").first().click();
    await expect(this.page.getByRole("heading", { name: `Push ${sha.slice(0, 7)}` })).toBeVisible();
  }

  /** The Pushes page's list of workers and the platforms each reports. */
  workerRows() {
    return this.page.getByTestId("workers-table").locator("tbody tr");
  }

  serviceRow(service: string) {
    return this.page.getByTestId("services-table").locator("tbody tr").filter({ hasText: service });
  }
}
