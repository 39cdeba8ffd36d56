import { expect, test } from "@playwright/test";
import { FleetPage } from "./pages/fleet-page";
import { sandboxAdmin } from "./support/sandbox-admin";
import { expectAccessible } from "./support/expect-accessible";
import { giveWebGatewayItsPushUser } from "./support/second-push-user";

// Runs under playwright.fleet.config.ts (three repositories, two push users), before fleet.spec.ts: the Fleet page with
// IAM failing past the clients' retries, then on an account with nothing in it (the sandbox's `empty` scenario). Each
// test puts the sandbox back as fleet.spec.ts expects it.
test.describe.configure({ mode: "serial", timeout: 180_000 });
test.use({ storageState: "e2e/.auth/viewer.json" });

const REPOSITORIES = ["acme/mcp-servers", "acme/web-gateway", "acme/billing-worker"];

async function admin(method: string, route: string, body?: unknown) {
  const res = await sandboxAdmin(method, route, body);
  expect(res.ok, `${method} ${route}`).toBe(true);
}

test.beforeAll(async () => {
  await giveWebGatewayItsPushUser();
});

/** No row (and not the page's answer) says a repository can push. */
async function expectNoRowReady(fleet: FleetPage) {
  await expect(fleet.rows()).toHaveCount(REPOSITORIES.length);
  await expect(fleet.table().locator('tbody tr[data-answer="yes"]')).toHaveCount(0);
  await expect(fleet.table()).not.toContainText("Can push");
  await expect(fleet.verdict()).not.toHaveAttribute("data-answer", "yes");
}

test("IAM ListAccessKeys throttled: every row says its key cannot be judged, naming the call, and none says it can push", async ({ page }) => {
  const fleet = new FleetPage(page);
  await admin("POST", "/_sandbox/faults", { service: "iam", operation: "ListAccessKeys", kind: "throttle", count: -1 });
  try {
    await fleet.open();
    await expectNoRowReady(fleet);
    for (const r of REPOSITORIES) {
      await expect(fleet.keyUnknown(r)).toHaveText("cannot be judged: IAM ListAccessKeys was throttled and still failed after retries with backoff");
      // No key shown with a verdict badge beside the failure.
      await expect(fleet.keyCell(r)).not.toContainText("…");
    }
    await expect(page.locator("main")).not.toContainText(/Rate exceeded|Throttling\b|RequestId/);
    await expectAccessible(page, "Fleet with IAM ListAccessKeys throttled");
  } finally {
    await admin("DELETE", "/_sandbox/faults");
  }
  // IAM answers again: the keys are back on the next refresh.
  await fleet.open();
  for (const r of REPOSITORIES) await expect(fleet.keyUnknown(r)).toHaveCount(0);
  await expect(fleet.keyCell("acme/mcp-servers")).toContainText("97 d");
});

test("IAM GetUser throttled: no row says it can push; the one whose checks all pass says unknown, naming the call", async ({ page }) => {
  const fleet = new FleetPage(page);
  await admin("POST", "/_sandbox/faults", { service: "iam", operation: "GetUser", kind: "throttle", count: -1 });
  try {
    await fleet.open();
    await expectNoRowReady(fleet);
    // web-gateway passes every check (fleet.spec.ts): whether its push user exists is what is not known.
    const gateway = fleet.row("acme/web-gateway");
    await expect(gateway).toHaveAttribute("data-answer", "unknown");
    await expect(gateway).toContainText("Could not be checked: whether the push user ecr-push-payments exists (IAM GetUser failed)");
    // The others fail a check whatever GetUser says: that check stays their reason.
    await expect(fleet.row("acme/mcp-servers")).toHaveAttribute("data-answer", "no");
    await expect(fleet.row("acme/billing-worker")).toHaveAttribute("data-answer", "no");
    await expect(fleet.verdict()).toHaveAttribute("data-answer", "no");
    await expect(page.locator("main")).not.toContainText(/Rate exceeded|Throttling\b|RequestId/);
  } finally {
    await admin("DELETE", "/_sandbox/faults");
  }
});

test("an empty account: the page says nothing is set up, row by row, and names the configured repositories GitHub does not have", async ({ page }) => {
  const fleet = new FleetPage(page);
  await admin("POST", "/_sandbox/reset", { scenario: "empty" });
  try {
    await fleet.open();
    await expectNoRowReady(fleet);
    await expect(fleet.verdict()).toHaveAttribute("data-answer", "no");
    // The empty scenario's GitHub has acme/mcp-servers alone: the other two configured names answer 404.
    await expect(fleet.summary()).toContainText("1 not set up; 2 could not be checked.");
    await expect(fleet.verdict().getByRole("link", { name: "Start the guided setup →" })).toHaveAttribute("href", "/setup");
    await expect(fleet.row("acme/mcp-servers")).toHaveAttribute("data-answer", "not-set-up");
    await expect(fleet.row("acme/mcp-servers")).toContainText("The push user github-ecr-push does not exist in this account yet: the guided Setup creates it");
    // No key to judge: said as such, not as a failed call.
    await expect(fleet.keyCell("acme/mcp-servers")).toHaveText("none: github-ecr-push does not exist yet");
    await expect(fleet.keyUnknown("acme/mcp-servers")).toHaveCount(0);
    for (const r of ["acme/web-gateway", "acme/billing-worker"]) {
      await expect(fleet.row(r)).toHaveAttribute("data-answer", "unknown");
      await expect(fleet.row(r).getByTestId("fleet-reason")).toHaveText(
        `GitHub answers 404 for ${r}: it does not exist, or Deckhand's token cannot see it. Check the name in GITHUB_REPOSITORIES and the token's repository access.`,
      );
      // Nothing was judged over a repository GitHub does not show: no failing check, no key.
      await expect(fleet.row(r).getByRole("link", { name: /Access Denied|Credential Error|AWS_REGION/ })).toHaveCount(0);
    }
    await expectAccessible(page, "Fleet of an empty account");
  } finally {
    await admin("POST", "/_sandbox/reset", { scenario: "fleet" });
    await giveWebGatewayItsPushUser();
    await page.goto("/fleet?refresh=1");
  }
});
