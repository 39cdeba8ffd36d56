import { type Page } from "@playwright/test";

export class WorkflowsPage {
  constructor(private page: Page) {}

  async open(query = "") {
    await this.page.goto(`/workflows${query}`);
  }

  async openRun(id: number | string) {
    await this.page.goto(`/workflows/runs/${id}`);
  }

  runRows() {
    return this.page.getByTestId("run-table").locator("tbody tr[data-run-id]");
  }

  runRow(id: number | string) {
    return this.page.getByTestId("run-table").locator(`tr[data-run-id="${id}"]`);
  }

  dispatchButton() {
    return this.page.getByRole("button", { name: "Dispatch workflow" });
  }

  async dispatch(ref = "main") {
    await this.page.getByLabel(/^Run “/).fill(ref);
    await this.dispatchButton().click();
  }

  failingError() {
    return this.page.getByTestId("failing-error");
  }

  credentialLink() {
    return this.page.getByTestId("credential-failure").getByRole("link");
  }

  sectionErrors() {
    return this.page.getByTestId("section-error");
  }
}
