import { type Page } from "@playwright/test";

export class RegistryPage {
  constructor(private page: Page) {}

  async open(query = "") {
    await this.page.goto(`/registry${query}`);
  }

  async openRepository(name: string) {
    await this.page.goto(`/registry/${encodeURIComponent(name)}`);
  }

  repositoryRow(name: string) {
    return this.page.getByTestId("repository-table").locator(`tr[data-repository="${name}"]`);
  }

  imageRow(digest: string) {
    return this.page.getByTestId("image-table").locator(`tr[data-digest="${digest}"]`);
  }

  latestRows() {
    return this.page.getByTestId("image-table").locator('tr[data-latest="true"]');
  }

  sectionErrors() {
    return this.page.getByTestId("section-error");
  }
}
