import { type Page } from "@playwright/test";

export class AuditPage {
  constructor(private page: Page) {}

  async open(query = "") {
    await this.page.goto(`/audit${query}`);
  }

  rows() {
    return this.page.getByTestId("audit-table").locator("tbody tr");
  }

  row(action: string, actor: string, outcome: string) {
    return this.rows().filter({ hasText: action }).filter({ hasText: actor }).filter({ hasText: outcome });
  }
}
