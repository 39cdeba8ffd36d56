import { type Page } from "@playwright/test";

export class OverviewPage {
  constructor(private page: Page) {}

  async open(query = "") {
    await this.page.goto(`/${query}`);
  }

  /** A card; "role" replaces "key" and "held-key" when the ECR workflow assumes GitHub's OIDC role. */
  card(id: "key" | "held-key" | "role" | "drift" | "last-run" | "pushes" | "doctor") {
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
