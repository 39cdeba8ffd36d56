import { E2E_SANDBOX_PORT } from "../playwright.config";
import { expect, test } from "@playwright/test";
import { CreateRepositoryCommand, DeleteRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { RegistryPage } from "./pages/registry-page";
import { expectAccessible } from "./support/expect-accessible";

// Issue 16 on the Registry page: each ECR repository shows the served repository that owns it; an operator reassigns
// or releases it after a confirmation; a viewer sees the owner and no button. The repository is made here with the
// SDK (as the guide's workflow would, before Deckhand), so nobody owns it at first whatever other specs pushed. Made
// outside Deckhand, it is seen after a Refresh (?refresh=1): the listing an earlier spec loaded is cached.
const ecr = new ECRClient({
  region: "us-east-1",
  endpoint: `http://127.0.0.1:${E2E_SANDBOX_PORT}`,
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
});
const repositoryName = `owner-e2e-${Date.now()}`;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  await ecr.send(new CreateRepositoryCommand({ repositoryName }));
});
test.afterAll(async () => {
  await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
});

test.describe("an operator", () => {
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("sees a repository nobody claimed, assigns it after a confirmation, then releases it", async ({ page }) => {
    const registry = new RegistryPage(page);
    await registry.open(`?q=${repositoryName}&refresh=1`);
    await expect(registry.ownerCell(repositoryName)).toContainText("not claimed");
    await expectAccessible(page, "Registry with an unclaimed repository (operator)");

    // The first click only asks; nothing changes until the confirmation is submitted.
    await registry.changeOwnerButton(repositoryName).click();
    await expect(registry.repositoryRow(repositoryName).getByRole("group", { name: `Confirm the owner of ${repositoryName}` })).toContainText("Only the chosen repository's services push");
    await expectAccessible(page, "Registry owner confirmation");
    await page.reload();
    await expect(registry.ownerCell(repositoryName)).toContainText("not claimed");

    await registry.reassign(repositoryName, "acme/mcp-servers");
    await expect(registry.ownerActionStatus(repositoryName)).toContainText(`ECR repository ${repositoryName} is owned by acme/mcp-servers now`);
    await page.reload();
    await expect(registry.ownerCell(repositoryName)).toContainText("owned by acme/mcp-servers");

    await registry.release(repositoryName);
    await expect(registry.ownerActionStatus(repositoryName)).toContainText("is not claimed now (was acme/mcp-servers)");
    await page.reload();
    await expect(registry.ownerCell(repositoryName)).toContainText("not claimed");

    // Both changes are in the audit log under the operator's name.
    await page.goto("/audit");
    await expect(page.getByText("ecr-owner.reassign").first()).toBeVisible();
    await expect(page.getByText("ecr-owner.release").first()).toBeVisible();

    // Owned again for the viewer's test below.
    await registry.open(`?q=${repositoryName}&refresh=1`);
    await registry.reassign(repositoryName, "acme/mcp-servers");
    await expect(registry.ownerActionStatus(repositoryName)).toContainText("is owned by acme/mcp-servers now");
  });
});

test.describe("a viewer", () => {
  test.use({ storageState: "e2e/.auth/viewer.json" });

  test("sees the owner and no button to change it", async ({ page }) => {
    const registry = new RegistryPage(page);
    await registry.open(`?q=${repositoryName}&refresh=1`);
    await expect(registry.ownerCell(repositoryName)).toContainText("owned by acme/mcp-servers");
    await expect(page.getByRole("button", { name: /Change owner/ })).toHaveCount(0);
    await expectAccessible(page, "Registry with an owned repository (viewer)");
  });
});
