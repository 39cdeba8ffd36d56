import { expect, type Page } from "@playwright/test";

export class ActivityPage {
  constructor(private page: Page) {}

  async open(query = "") {
    await this.page.goto(`/activity?refresh=1${query ? `&${query.replace(/^\?/, "")}` : ""}`);
    await expect(this.page.getByRole("heading", { name: "Activity", level: 1 })).toBeVisible();
  }

  errorGroup(code: string) {
    return this.page.getByTestId(`error-group-${code}`);
  }

  eventRows() {
    return this.page.getByTestId("events-table").locator("tbody tr");
  }
}
