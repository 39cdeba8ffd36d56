import { expect, type Page } from "@playwright/test";

export class RotationPage {
  constructor(private page: Page) {}

  /** `repo`: the repository whose push user the page rotates (owner/name); absent: the default one. */
  async open(repo?: string) {
    await this.page.goto(repo ? `/credentials/rotation?repo=${encodeURIComponent(repo)}` : "/credentials/rotation");
    await expect(this.page.getByRole("heading", { name: "Key rotation", level: 1 })).toBeVisible();
  }

  plan() {
    return this.page.getByTestId("rotation-plan");
  }

  rotateButton() {
    return this.page.getByRole("button", { name: "Rotate key" });
  }

  /** Rotate, confirm, and land on the rotation's own page; returns its id. */
  async rotateAndConfirm(): Promise<number> {
    await this.rotateButton().click();
    await this.page.getByRole("button", { name: "Confirm rotation" }).click();
    // The action answers with a status (a refusal stays on the plan) or the page moves to the rotation.
    // With several repositories the address keeps ?repo= (the proxy adds the chosen one).
    const moved = this.page.waitForURL(/\/credentials\/rotation\/\d+(\?.*)?$/, { timeout: 30_000 }).then(() => true);
    const answered = this.page.getByTestId("action-status").first().waitFor({ timeout: 30_000 }).then(() => false);
    if (!(await Promise.race([moved, answered]))) {
      await this.page.waitForURL(/\/credentials\/rotation\/\d+(\?.*)?$/, { timeout: 10_000 }).catch(async () => {
        throw new Error(`the rotation did not open; the page says: ${await this.page.getByTestId("action-status").first().textContent()}`);
      });
    }
    return Number(/\/credentials\/rotation\/(\d+)/.exec(this.page.url())![1]);
  }

  /** The plan's push user (whose key is replaced). */
  planUser() {
    return this.page.getByTestId("rotation-plan-user");
  }

  /** The rotation page's push user and the repository it acts from. */
  user() {
    return this.page.getByTestId("rotation-user");
  }

  repository() {
    return this.page.getByTestId("rotation-repository");
  }

  progress() {
    return this.page.getByTestId("rotation-progress");
  }

  /** The plan's list of holders (where the new key would be written), one item per repository and scope. */
  planHolders() {
    return this.page.getByTestId("rotation-plan-holder");
  }

  /** The progress's holder rows (data-written yes/no) and canary items (data-conclusion). */
  holders() {
    return this.page.getByTestId("rotation-holder");
  }

  canaries() {
    return this.page.getByTestId("rotation-canary");
  }

  step(n: number) {
    return this.page.getByTestId(`rotation-step-${n}`);
  }

  async waitForState(state: "completed" | "stopped" | "failed", timeout = 45_000) {
    await expect(this.progress()).toHaveAttribute("data-state", state, { timeout });
  }
}
