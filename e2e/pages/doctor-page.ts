import { expect, type Page } from "@playwright/test";

export class DoctorPage {
  constructor(private page: Page) {}

  /** Open the Doctor (cache dropped); `mode` forces the key's or the OIDC checks, else the Doctor picks by the workflow. */
  async open(mode?: "key" | "oidc") {
    await this.page.goto(mode ? `/doctor?mode=${mode}&refresh=1` : "/doctor?refresh=1");
    await expect(this.page.getByRole("heading", { name: "Doctor", level: 1 })).toBeVisible();
  }

  check(id: string) {
    return this.page.getByTestId(`check-${id}`);
  }

  /** The mode switch (`data-mode`: key or oidc). */
  mode() {
    return this.page.getByTestId("doctor-mode");
  }

  modeTab(name: "Access key" | "OIDC role") {
    return this.mode().getByRole("link", { name });
  }

  /** "N passed, N failed, N unknown." */
  summary() {
    return this.page.getByTestId("doctor-summary");
  }
}
