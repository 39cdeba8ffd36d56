import { expect, type Page } from "@playwright/test";

/** /workflows/deckhand-pushes: the diff that takes the ECR push out of the workflow, and the button that opens the PR. */
export class DeckhandPushesPage {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto("/workflows/deckhand-pushes");
    await expect(this.page.getByRole("heading", { name: "Deckhand pushes", level: 1 })).toBeVisible();
  }

  diff() {
    return this.page.getByTestId("workflow-diff");
  }

  removedParts() {
    return this.page.getByTestId("removed-parts");
  }

  openButton() {
    return this.page.getByRole("button", { name: "Open the pull request" });
  }

  result() {
    return this.page.getByTestId("open-pull-request-result");
  }

  /** The link to the pull request (after opening it, or when one is already open). */
  pullRequestLink() {
    return this.page.getByTestId("pull-request-link").first();
  }

  /** "After the merge, who pushes?": webhook pushes on or off, Deckhand's last push job for the repository. */
  deckhandBuilds() {
    return this.page.getByTestId("deckhand-builds");
  }

  openPullRequestNotice() {
    return this.page.getByTestId("open-pull-request");
  }
}
