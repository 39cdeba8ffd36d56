import { expect, test } from "@playwright/test";
import sodium from "libsodium-wrappers";
import { E2E_SANDBOX_PORT } from "../playwright.config";
import { CredentialsPage } from "./pages/credentials-page";
import { SetupPage } from "./pages/setup-page";

// Issue 16's "Must show" on the Credentials page, against the sandbox's `organization` scenario: acme/mcp-servers'
// key is an organization secret shared with selected repositories; then a stale repository copy shadows it.

const SBX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const ADMIN = { authorization: "Bearer sandbox-admin-token", "content-type": "application/json" };
const GH = { authorization: "Bearer ghp_sandboxadmintoken", accept: "application/vnd.github+json", "content-type": "application/json" };

async function resetSandbox(scenario: "default" | "organization") {
  const r = await fetch(`${SBX}/_sandbox/reset`, { method: "POST", headers: ADMIN, body: JSON.stringify({ scenario }) });
  expect(r.status).toBe(200);
}

/** Put a repository secret as any GitHub client would: sealed to the repository's public key. */
async function putRepoSecret(name: string, value: string) {
  await sodium.ready;
  const key = (await (await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/actions/secrets/public-key`, { headers: GH })).json()) as { key_id: string; key: string };
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL));
  const r = await fetch(`${SBX}/api/v3/repos/acme/mcp-servers/actions/secrets/${name}`, {
    method: "PUT",
    headers: GH,
    body: JSON.stringify({ encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL), key_id: key.key_id }),
  });
  expect(r.status).toBe(201);
}

test.describe("secrets at organization scope", () => {
  test.describe.configure({ mode: "serial" });
  test.use({ storageState: "e2e/.auth/viewer.json" });
  test.beforeAll(async () => {
    await resetSandbox("organization");
  });
  test.afterAll(async () => {
    // Leave the shared e2e sandbox as the other specs expect it.
    await resetSandbox("default");
  });

  test("a key held in an organization secret passes the checks and says where it comes from", async ({ page }) => {
    const credentials = new CredentialsPage(page);
    await credentials.open();
    const config = credentials.section("GitHub configuration");
    await expect(config.getByTestId("github-config")).toContainText("AWS_ACCESS_KEY_ID exists as a secret");
    await expect(config.getByTestId("github-config")).not.toContainText("is missing");
    await expect(credentials.sourceRow("AWS_ACCESS_KEY_ID")).toContainText("organization secret (selected repositories)");
    await expect(credentials.sourceRow("AWS_SECRET_ACCESS_KEY")).toContainText("organization secret (selected repositories)");
    await expect(credentials.sourceRow("AWS_REGION")).toContainText("organization variable (all repositories) = us-east-1");
    await expect(config.getByTestId("scope-findings")).toHaveCount(0);
  });

  test("the guided setup counts the organization's key and AWS_REGION as done and plans no repository copy over them", async ({ page }) => {
    const setup = new SetupPage(page);
    await setup.open();
    await expect(setup.item("secrets")).toHaveAttribute("data-status", "done");
    await expect(setup.item("secrets")).toContainText("AWS_ACCESS_KEY_ID from the organization secret (selected repositories)");
    await expect(setup.item("variable")).toHaveAttribute("data-status", "done");
    await expect(setup.item("variable")).toContainText("Set (from the organization variable (all repositories))");
    await expect(setup.planStep("create-key")).toHaveCount(0);
    await expect(setup.planStep("set-region-variable")).toHaveCount(0);
  });

  test("a stale repository copy of the same name is said to shadow the organization's, with which key each holds", async ({ page }) => {
    await putRepoSecret("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    const credentials = new CredentialsPage(page);
    await credentials.open();
    const config = credentials.section("GitHub configuration");
    await expect(credentials.sourceRow("AWS_ACCESS_KEY_ID")).toContainText("repository secret");
    await expect(credentials.sourceRow("AWS_ACCESS_KEY_ID").locator("td").nth(2)).toHaveText("organization secret (selected repositories)");
    await expect(config.getByTestId("scope-findings")).toContainText("AWS_ACCESS_KEY_ID: the repository secret shadows the organization secret (selected repositories)");
    await expect(config.getByTestId("scope-findings")).toContainText("Fix: Keep one copy: delete the repository secret");
    const copies = config.getByTestId("key-copies").locator("li");
    await expect(copies).toHaveCount(2);
    await expect(copies.nth(0)).toContainText("AWS_ACCESS_KEY_ID as repository secret (used by runs");
    await expect(copies.nth(0)).toContainText("key unknown");
    await expect(copies.nth(1)).toContainText("AWS_ACCESS_KEY_ID as organization secret (selected repositories) (shadowed");
    await expect(copies.nth(1)).toContainText("key unknown");
  });
});
