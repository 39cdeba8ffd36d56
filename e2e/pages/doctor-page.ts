import { expect, type Page } from "@playwright/test";

export class DoctorPage {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto("/doctor?refresh=1");
    await expect(this.page.getByRole("heading", { name: "Doctor", level: 1 })).toBeVisible();
  }

  check(id: string) {
    return this.page.getByTestId(`check-${id}`);
  }
}
