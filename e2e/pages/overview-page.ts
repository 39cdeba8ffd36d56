import { type Page } from "@playwright/test";

export class OverviewPage {
  constructor(private page: Page) {}

  async open(query = "") {
    await this.page.goto(`/${query}`);
  }

  card(id: "key" | "held-key" | "drift" | "last-run" | "pushes" | "doctor") {
    return this.page.getByTestId(`card-${id}`);
  }

  verdict() {
    return this.page.getByTestId("push-verdict");
  }

  chart() {
    return this.page.getByTestId("push-chart");
  }

  /** The "two pushers move latest" notice (both the workflow and Deckhand push the same repositories). */
  twoPushers() {
    return this.page.getByTestId("two-pushers");
  }
}
