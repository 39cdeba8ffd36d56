import { expect, test } from "@playwright/test";
import { E2E_SANDBOX_PORT } from "../playwright.config";

const SBX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const ADMIN = { authorization: "Bearer sandbox-admin-token", "content-type": "application/json" };

async function resetSandbox() {
  const r = await fetch(`${SBX}/_sandbox/reset`, { method: "POST", headers: ADMIN, body: JSON.stringify({ scenario: "default" }) });
  expect(r.status).toBe(200);
}

async function keyStatus(id: string): Promise<string | undefined> {
  const body = (await (await fetch(`${SBX}/_sandbox/aws/keys?user=github-ecr-push`, { headers: ADMIN })).json()) as { keys: { accessKeyId: string; status: string }[] };
  return body.keys.find((k) => k.accessKeyId === id)?.status;
}

test.describe("key management by hand", () => {
  test.describe.configure({ mode: "serial" });
  test.beforeAll(resetSandbox);
  test.afterAll(resetSandbox);

  test.describe("as an operator", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });

    test("refuses to deactivate the key GitHub holds until pushes stopping is confirmed; reactivates it", async ({ page }) => {
      const held = ((await (await fetch(`${SBX}/_sandbox/github/repos/acme/mcp-servers/secrets/AWS_ACCESS_KEY_ID`, { headers: ADMIN })).json()) as { value: string }).value;
      await page.goto("/credentials?refresh=1");
      const actions = page.getByTestId(`key-actions-${held}`);
      await actions.getByRole("button", { name: "deactivate" }).click();
      await expect(actions).toContainText("stops working at once");
      await actions.getByRole("button", { name: `deactivate ${held}` }).click();
      await expect(actions.getByTestId("key-action-status")).toContainText("stops every push");
      expect(await keyStatus(held)).toBe("Active");

      await actions.getByRole("checkbox").check();
      await actions.getByRole("button", { name: `deactivate ${held}` }).click();
      await expect.poll(() => keyStatus(held)).toBe("Inactive");
      await expect(page.getByTestId(`key-actions-${held}`).getByRole("button", { name: "reactivate" })).toBeVisible();

      await page.getByTestId(`key-actions-${held}`).getByRole("button", { name: "reactivate" }).click();
      await page.getByTestId(`key-actions-${held}`).getByRole("button", { name: `reactivate ${held}` }).click();
      await expect.poll(() => keyStatus(held)).toBe("Active");
    });
  });

  test.describe("as a viewer", () => {
    test.use({ storageState: "e2e/.auth/viewer.json" });
    test("sees no key actions", async ({ page }) => {
      await page.goto("/credentials");
      await expect(page.getByTestId("keys-table")).toBeVisible();
      await expect(page.locator("[data-testid^=key-actions-]")).toHaveCount(0);
    });
  });
});
