import { expect, type Page } from "@playwright/test";

/** The Move to GitHub's OIDC role page (/credentials/oidc). */
export class OidcPage {
  constructor(private page: Page) {}

  /** Open the page of `repo` (owner/name; the default repository when absent). */
  async open(repo?: string) {
    await this.page.goto(repo ? `/credentials/oidc?repo=${encodeURIComponent(repo)}` : "/credentials/oidc");
    await expect(this.page.getByRole("heading", { name: "Move to GitHub's OIDC role", level: 1 })).toBeVisible();
  }

  /** A plan step's status badge (`data-status`: missing = to do, wrong = blocked, done, unknown). */
  step(id: "provider" | "role" | "role-policy" | "workflow") {
    return this.page.getByTestId(`oidc-step-${id}`);
  }

  subjects() {
    return this.page.getByTestId("oidc-subjects");
  }

  trustExplained() {
    return this.page.getByTestId("oidc-trust-explained");
  }

  trustFindings() {
    return this.page.getByTestId("oidc-trust-findings");
  }

  workflowDiff() {
    return this.page.getByTestId("oidc-workflow-diff");
  }

  applyButton() {
    return this.page.getByRole("button", { name: "Apply the move" });
  }

  /**
   * Apply the move and confirm; resolves when the action says the move started, or when the page already shows the
   * move (a fast move can finish and re-render the page, Apply button and its status gone, before the status is seen).
   */
  async applyAndConfirm() {
    await this.applyButton().click();
    await this.page.getByRole("button", { name: "Confirm: create the role and open the pull request" }).click();
    const status = this.page.getByTestId("action-status");
    // The status may be replaced by the re-rendered page at any moment (the move finished): either says it started.
    await expect(async () => {
      if (await this.moveState().isVisible()) return;
      await expect(status).toContainText(/Move #\d+ started/, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
  }

  pullRequestLink() {
    return this.page.getByTestId("oidc-pull-request");
  }

  /** The proof section (`data-verdict`: waiting-for-merge, no-role-use-yet, no-role-push-yet, key-still-used, grace-running, ready-to-retire). */
  proof() {
    return this.page.getByTestId("oidc-proof");
  }

  proofMessage() {
    return this.page.getByTestId("oidc-proof-message");
  }

  /** The doctor's OIDC mode: refused assumptions with cause and fix. */
  refusals() {
    return this.page.getByTestId("oidc-refusals");
  }

  /** What must be set up before the move (an account without the push user), with its link to Setup. */
  prerequisite() {
    return this.page.getByTestId("oidc-prerequisite");
  }

  /** The page's description: whose key, in which repository, and the role the move makes. */
  description() {
    return this.page.getByText(/^Retire the access key of /);
  }

  moveState() {
    return this.page.getByTestId("oidc-move-state");
  }

  /** The table of the key's uses since the merge (time, call, key, source IP, user agent, region). */
  keyUses() {
    return this.page.getByTestId("oidc-key-uses");
  }

  /** A key of the push user in the retire list (`data-status`: Active, Inactive; "deleted" when none is left). */
  retireKey(accessKeyId?: string) {
    const keys = this.page.getByTestId("oidc-retire-key");
    return accessKeyId ? keys.and(this.page.locator(`[data-key="${accessKeyId}"]`)) : keys;
  }

  /** Whether the repository still has the two key secrets (`data-present`). */
  retireSecrets() {
    return this.page.getByTestId("oidc-retire-secrets");
  }

  /** Shown once the push user has no key and the repository no key secrets. */
  retired() {
    return this.page.getByTestId("oidc-retired");
  }

  /**
   * One retire step: its button, then its confirmation; resolves once the button is gone (the action succeeded and
   * the page re-rendered without it) or fails with the action's message.
   */
  async retireStep(label: string | RegExp, confirmLabel: string) {
    const button = this.page.getByRole("button", { name: label });
    await button.click();
    await this.page.getByRole("button", { name: confirmLabel }).click();
    const status = this.page.getByTestId("action-status");
    await expect(async () => {
      // A refusal or failure is shown in red and leaves the button: say what the action answered.
      if (await status.isVisible()) expect(await status.getAttribute("class"), (await status.textContent()) ?? "").not.toContain("text-red-700");
      await expect(button).toHaveCount(0, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
  }
}
