import { expect, test, type Page, type Response } from "@playwright/test";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { E2E_SANDBOX_PORT } from "../playwright.config";
import { CredentialsPage } from "./pages/credentials-page";
import { RotationPage } from "./pages/rotation-page";
import { serverActionId } from "./server-actions";
import { expectAccessibleAtEveryWidth } from "./support/expect-accessible";

const SBX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const ADMIN = { authorization: "Bearer sandbox-admin-token" };
const USER = "github-ecr-push";

async function resetSandbox() {
  const r = await fetch(`${SBX}/_sandbox/reset`, { method: "POST", headers: ADMIN });
  expect(r.status).toBe(200);
}

async function keys(): Promise<{ accessKeyId: string; status: string; createDate: string }[]> {
  return ((await (await fetch(`${SBX}/_sandbox/aws/keys?user=${USER}`, { headers: ADMIN })).json()) as { keys: { accessKeyId: string; status: string; createDate: string }[] }).keys;
}

async function secret(name: string): Promise<string> {
  const r = await fetch(`${SBX}/_sandbox/github/repos/acme/mcp-servers/secrets/${name}`, { headers: ADMIN });
  return ((await r.json()) as { value: string }).value;
}

async function stsError(accessKeyId: string, secretAccessKey: string): Promise<string | null> {
  const sts = new STSClient({ region: "us-east-1", endpoint: SBX, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return null;
  } catch (err) {
    return (err as { name?: string }).name ?? "Error";
  }
}

const gh = (path: string, init: RequestInit = {}) =>
  fetch(`${SBX}/api/v3/repos/acme/mcp-servers${path}`, { ...init, headers: { authorization: "Bearer ghp_sandboxadmintoken", accept: "application/vnd.github+json", "content-type": "application/json" } });

/** Dispatch the ECR workflow as GitHub would and wait for the run's conclusion. */
async function freshDispatchConclusion(): Promise<string | null> {
  const wfs = (await (await gh("/actions/workflows")).json()) as { workflows: { id: number; name: string }[] };
  const wf = wfs.workflows.find((w) => w.name === "Build and Push to AWS ECR")!;
  const since = Date.now();
  const d = await gh(`/actions/workflows/${wf.id}/dispatches`, { method: "POST", body: JSON.stringify({ ref: "main" }) });
  expect([200, 204]).toContain(d.status);
  for (let i = 0; i < 100; i++) {
    const runs = (await (await gh(`/actions/workflows/${wf.id}/runs?event=workflow_dispatch&per_page=5`)).json()) as {
      workflow_runs: { id: number; status: string; conclusion: string | null; created_at: string }[];
    };
    const run = runs.workflow_runs.find((r) => Date.parse(r.created_at) >= since - 2000);
    if (run?.status === "completed") return run.conclusion;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

/** Every HTML document, RSC payload and server-action answer the browser received. */
function recordResponses(page: Page): Promise<string>[] {
  const bodies: Promise<string>[] = [];
  page.on("response", (res: Response) => {
    const type = res.request().resourceType();
    if (type === "document" || type === "fetch" || type === "xhr") bodies.push(res.text().catch(() => ""));
  });
  return bodies;
}

test.describe("key rotation as operator", () => {
  test.use({ storageState: "e2e/.auth/operator.json" });
  test.beforeEach(resetSandbox);
  test.afterEach(resetSandbox);

  test("rotates the seeded 97-day key from the Credentials page, end to end", async ({ page }) => {
    test.setTimeout(120_000);
    const before = await keys();
    expect(before).toHaveLength(1);
    const old = before[0];
    expect(Math.floor((Date.now() - Date.parse(old.createDate)) / 86_400_000)).toBe(97);
    const oldSecret = await secret("AWS_SECRET_ACCESS_KEY");
    expect(await secret("AWS_ACCESS_KEY_ID")).toBe(old.accessKeyId);
    const bodies = recordResponses(page);
    page.on("console", (m) => {
      if (m.type() === "error") console.log(`[browser] ${m.text()}`);
    });

    const credentials = new CredentialsPage(page);
    await credentials.open();
    await page.getByRole("link", { name: "Rotate key" }).click();
    const rotation = new RotationPage(page);
    await expect(page.getByRole("heading", { name: "Key rotation", level: 1 })).toBeVisible();
    await expect(rotation.plan()).toContainText(`Deactivate the old key ${old.accessKeyId} (97 days old)`);
    await expect(rotation.plan()).toContainText("delete it after 7 days");
    // Where the key would be written: the default scenario holds it in acme/mcp-servers' repository secrets alone.
    await expect(rotation.planHolders()).toHaveCount(1);
    await expect(rotation.planHolders().first()).toContainText("acme/mcp-servers: repository secrets");

    const id = await rotation.rotateAndConfirm();
    await rotation.waitForState("completed");
    // The page's own buttons follow the final state without a reload: the delete-now offer appears.
    await expect(page.getByRole("button", { name: "Delete the old key now" })).toBeVisible();
    await expectAccessibleAtEveryWidth(page, `/credentials/rotation/${id}`);
    for (const n of [1, 2, 3, 4, 5, 6]) await expect(rotation.step(n)).toHaveAttribute("data-outcome", "succeeded");
    // The progress names each holder (written) and each repository's canary.
    await expect(rotation.holders()).toHaveCount(1);
    await expect(rotation.holders().first()).toHaveAttribute("data-written", "yes");
    await expect(rotation.holders().first()).toContainText("acme/mcp-servers");
    await expect(rotation.canaries()).toHaveCount(1);
    await expect(rotation.canaries().first()).toHaveAttribute("data-conclusion", "success");
    await expect(rotation.step(7)).toHaveAttribute("data-outcome", "scheduled");
    await expect(page.getByTestId("rotation-message")).toContainText(`the old key ${old.accessKeyId} is inactive`);

    // IAM: the new key active, the old inactive.
    const after = await keys();
    expect(after).toHaveLength(2);
    const fresh = after.find((k) => k.accessKeyId !== old.accessKeyId)!;
    expect(fresh.status).toBe("Active");
    expect(after.find((k) => k.accessKeyId === old.accessKeyId)!.status).toBe("Inactive");
    // GitHub's secrets decrypt to the new key, which AWS accepts; the old key is refused.
    expect(await secret("AWS_ACCESS_KEY_ID")).toBe(fresh.accessKeyId);
    const newSecret = await secret("AWS_SECRET_ACCESS_KEY");
    expect(newSecret).not.toBe(oldSecret);
    expect(await stsError(fresh.accessKeyId, newSecret)).toBeNull();
    expect(await stsError(old.accessKeyId, oldSecret)).toBe("InvalidClientTokenId");
    // A fresh workflow_dispatch run succeeds with what GitHub holds.
    expect(await freshDispatchConclusion()).toBe("success");

    // The history lists it with its steps.
    await rotation.open();
    await expect(page.getByTestId(`rotation-row-${id}`)).toContainText("completed");
    await expect(page.getByTestId(`rotation-row-${id}`)).toContainText("Canary workflow run: succeeded");

    // No page, RSC payload or server-action answer ever carried the new secret.
    const all = await Promise.all(bodies);
    expect(all.length).toBeGreaterThan(3);
    expect(all.filter((b) => b.includes(newSecret))).toHaveLength(0);
  });
});

test.describe("key rotation as viewer", () => {
  test.use({ storageState: "e2e/.auth/viewer.json" });

  test("sees no Rotate button, and a crafted server-action call is refused", async ({ page, baseURL }) => {
    const credentials = new CredentialsPage(page);
    await credentials.open();
    await expect(page.getByRole("link", { name: "Rotate key" })).toHaveCount(0);
    const rotation = new RotationPage(page);
    await rotation.open();
    await expect(rotation.rotateButton()).toHaveCount(0);
    await expect(page.getByText("Only operators can rotate keys.")).toBeVisible();

    const before = await keys();
    const response = await page.request.post("/credentials/rotation", {
      headers: { "Next-Action": serverActionId("startRotationAction"), "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: baseURL! },
      data: JSON.stringify([{ confirm: "rotate" }]),
    });
    expect(response.status()).toBe(200);
    expect(await response.text()).toContain("Only operators may do this.");
    expect(await keys()).toEqual(before);
  });
});
