import { type Page } from "@playwright/test";

export class RegistryPage {
  constructor(private page: Page) {}

  async open(query = "") {
    await this.page.goto(`/registry${query}`);
  }

  async openRepository(name: string, query = "") {
    await this.page.goto(`/registry/${encodeURIComponent(name)}${query}`);
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

  /** A repository's owner cell (issue 16): "owned by owner/name" or "not claimed". */
  ownerCell(name: string) {
    return this.repositoryRow(name).getByTestId("ecr-owner");
  }

  changeOwnerButton(name: string) {
    return this.repositoryRow(name).getByRole("button", { name: `Change owner of ${name}` });
  }

  /** Operators: opens the confirmation, picks the new owner and confirms. */
  async reassign(name: string, to: string) {
    await this.changeOwnerButton(name).click();
    const confirm = this.repositoryRow(name).getByRole("group", { name: `Confirm the owner of ${name}` });
    await confirm.getByRole("combobox", { name: `New owner of ${name}` }).selectOption(to);
    await confirm.getByRole("button", { name: "Reassign" }).click();
  }

  /** Operators: opens the confirmation and releases the repository (nobody owns it). */
  async release(name: string) {
    await this.changeOwnerButton(name).click();
    await this.repositoryRow(name).getByRole("button", { name: "Release (not claimed)" }).click();
  }

  ownerActionStatus(name: string) {
    return this.repositoryRow(name).getByTestId("owner-action-status");
  }

  /** What the page says when the owners cannot be read (the account behind them is unknown). */
  ownersError() {
    return this.page.getByTestId("owners-error");
  }

  /** Every repository row of the table (the empty table's one message row is not one). */
  repositoryRows() {
    return this.page.getByTestId("repository-table").locator("tbody tr[data-repository]");
  }

  /** The table's text when it has no repository. */
  emptyTable() {
    return this.page.getByTestId("repository-table-empty");
  }

  sectionErrors() {
    return this.page.getByTestId("section-error");
  }
}
