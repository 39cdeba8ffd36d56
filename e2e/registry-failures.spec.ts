import { expect, test } from "@playwright/test";
import { RegistryPage } from "./pages/registry-page";
import { sandboxAdmin } from "./support/sandbox-admin";
import { expectAccessible } from "./support/expect-accessible";

// The Registry page with a call it needs failing: STS GetCallerIdentity, which gives the account ECR owners are recorded
// under (issue 16). The listing still renders; the owners cannot be shown, the page says so naming the call (the
// failure vocabulary's whitelisted words, not the SDK's), and no owner action is offered: it would act on an unknown
// account. Then an account with nothing in it (the sandbox's `empty` scenario). An operator: a viewer gets no owner
// action anyway.
test.describe.configure({ mode: "serial" });
test.use({ storageState: "e2e/.auth/operator.json" });

async function admin(method: string, route: string, body?: unknown) {
  const res = await sandboxAdmin(method, route, body);
  expect(res.ok, `${method} ${route}`).toBe(true);
}

test("with STS GetCallerIdentity failing, the table renders, says the owners cannot be shown naming the call, and offers no owner action", async ({ page }) => {
  const registry = new RegistryPage(page);
  // Before: the owners are shown and an operator may change them (so the refusal below is the failure's doing).
  await registry.open("?refresh=1");
  await expect(registry.repositoryRow("mcp-server-tcp")).toBeVisible();
  await expect(registry.ownersError()).toHaveCount(0);
  await expect(registry.ownerCell("mcp-server-tcp")).not.toContainText("owner unknown");
  await expect(registry.changeOwnerButton("mcp-server-tcp")).toBeVisible();

  await admin("POST", "/_sandbox/faults", { service: "sts", operation: "GetCallerIdentity", kind: "throttle", count: -1 });
  try {
    await registry.open("?refresh=1");
    // The listing itself is ECR's: still there, with its facts.
    await expect(registry.repositoryRow("mcp-server-tcp").getByTestId("latest-digest")).toBeVisible();
    await expect(registry.repositoryRow("mcp-server-http")).toBeVisible();
    await expect(registry.ownersError()).toContainText("Could not load the owners of the ECR repositories");
    await expect(registry.ownersError()).toContainText("owners cannot be shown or changed");
    await expect(registry.ownersError()).toContainText("STS GetCallerIdentity was throttled and still failed after retries with backoff");
    await expect(registry.ownersError()).toHaveAttribute("data-service", "sts");
    const rows = await registry.repositoryRows().count();
    expect(rows).toBeGreaterThan(0);
    for (let i = 0; i < rows; i++) {
      const cell = registry.repositoryRows().nth(i).getByTestId("ecr-owner");
      await expect(cell).toHaveText("owner unknown (STS GetCallerIdentity failed)");
    }
    await expect(page.getByRole("button", { name: /Change owner/ })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Reassign|Release/ })).toHaveCount(0);
    // Never the SDK's own words.
    await expect(page.locator("main")).not.toContainText(/Rate exceeded|Throttling|RequestId|\$metadata/);
    await expectAccessible(page, "Registry with STS GetCallerIdentity failing (operator)");
  } finally {
    await admin("DELETE", "/_sandbox/faults");
  }
  // The call answers again: so do the owners, on the next refresh.
  await registry.open("?refresh=1");
  await expect(registry.ownersError()).toHaveCount(0);
  await expect(registry.ownerCell("mcp-server-tcp")).not.toContainText("owner unknown");
  await expect(registry.changeOwnerButton("mcp-server-tcp")).toBeVisible();
});

test("an empty account: the page says there is no ECR repository yet, and no owner error", async ({ page }) => {
  const registry = new RegistryPage(page);
  await admin("POST", "/_sandbox/reset", { scenario: "empty" });
  try {
    await registry.open("?refresh=1");
    await expect(registry.emptyTable()).toHaveText("No ECR repositories in this region yet. The first push creates them.");
    await expect(page.getByTestId("repository-count")).toContainText("0 repositories");
    await expect(registry.repositoryRows()).toHaveCount(0);
    await expect(registry.ownersError()).toHaveCount(0);
    await expect(registry.sectionErrors()).toHaveCount(0);
    await expectAccessible(page, "Registry of an empty account");
  } finally {
    await admin("POST", "/_sandbox/reset", { scenario: "default" });
    await registry.open("?refresh=1");
  }
});
