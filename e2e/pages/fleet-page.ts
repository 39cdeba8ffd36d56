import { expect, type Page } from "@playwright/test";

/** The Fleet page and the repository selector in the navigation (several repositories configured). */
export class FleetPage {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto("/fleet?refresh=1");
    await expect(this.page.getByRole("heading", { name: "Fleet", level: 1 })).toBeVisible();
    // The verdict comes with the rows (the table on wide screens, the cards on a phone).
    await expect(this.verdict()).toBeVisible({ timeout: 60_000 });
  }

  verdict() {
    return this.page.getByTestId("fleet-verdict");
  }

  /** The one answer's sentence ("2 of 3 cannot push; …", "Nothing is set up yet: …"). */
  summary() {
    return this.page.getByTestId("fleet-summary");
  }

  table() {
    return this.page.getByTestId("fleet-table");
  }

  row(repository: string) {
    return this.table().locator(`tbody tr[data-repository="${repository}"]`);
  }

  rows() {
    return this.table().locator("tbody tr[data-repository]");
  }

  /** A row's Key cell: the key with its age and verdict, or why it cannot be judged. */
  keyCell(repository: string) {
    return this.row(repository).getByTestId("fleet-key");
  }

  /** What a row says when its push user's keys could not be read ("cannot be judged: IAM ListAccessKeys …"). */
  keyUnknown(repository: string) {
    return this.row(repository).getByTestId("fleet-key-unknown");
  }

  /** The row's offer to adopt the IAM user CloudTrail names as its push user (operators). */
  adoptButton(repository: string, userName: string) {
    return this.row(repository).getByRole("button", { name: `Use ${userName} as ${repository}'s push user` });
  }

  /** Adopt: the button, then the confirmation; answers the message the action showed. */
  async adopt(repository: string, userName: string) {
    await this.adoptButton(repository, userName).click();
    await this.row(repository).getByRole("button", { name: `Use ${userName}`, exact: true }).click();
    return this.row(repository).getByTestId("action-status");
  }

  /** What an adopted row says (by whom, when, which run), with its "Stop using" button. */
  adopted(repository: string) {
    return this.row(repository).getByTestId("fleet-adopted");
  }

  /** Stop using the adopted user: the button, then the confirmation. */
  async stopUsing(repository: string, userName: string, back: string) {
    await this.row(repository).getByRole("button", { name: `Stop using ${userName}` }).click();
    await this.row(repository).getByRole("button", { name: `Go back to ${back}` }).click();
  }

  /** What the Fleet page says of one owner wildcard's discovery ("acme/*"). */
  discovery(rule: string) {
    return this.page.locator(`[data-testid="fleet-discovery"][data-rule="${rule}"]`);
  }

  /** A phone's cards, one per repository (the table is hidden below md). */
  cards() {
    return this.page.getByTestId("fleet-cards").locator("li[data-card-repository]");
  }

  card(repository: string) {
    return this.page.getByTestId("fleet-cards").locator(`li[data-card-repository="${repository}"]`);
  }

  /** Cards whose content is wider than the card itself (cut off or scrolling): their repositories. */
  async cardsCutOff(): Promise<string[]> {
    return this.cards().evaluateAll((cards) => cards.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.getAttribute("data-card-repository") ?? "?"));
  }

  /** The phone's "Menu" (a <details>): whether it is open. */
  menuOpen() {
    return this.page.locator("details:has(> summary:text-is('Menu'))").evaluate((d) => (d as HTMLDetailsElement).open);
  }

  /** The visible repository selector (the sidebar's on wide screens). */
  selector() {
    return this.page.locator('[data-testid="repository-selector"]:visible').getByLabel("Repository");
  }

  /** Choose a repository; the page reloads on it (the default one drops `?repo=`). */
  async chooseRepository(repository: string) {
    const before = this.page.url();
    await this.selector().selectOption(repository);
    await this.page.waitForURL((u) => u.toString() !== before);
  }

  navLink(name: string) {
    return this.page.getByRole("navigation", { name: "Main" }).filter({ visible: true }).getByRole("link", { name, exact: true });
  }
}
