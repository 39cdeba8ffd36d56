import { expect, test } from "@playwright/test";
import { ListImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { PushesPage } from "./pages/pushes-page";
import { pushCommit, sandboxUrl } from "./support/sandbox-admin";
import { expectAccessibleAtEveryWidth } from "./support/expect-accessible";

const ecr = new ECRClient({
  region: "us-east-1",
  endpoint: sandboxUrl,
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
});
const tagsOf = async (repositoryName: string) =>
  (await ecr.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: "TAGGED" } }))).imageIds ?? [];

test.describe("webhook-triggered pushes", () => {
  test.describe.configure({ timeout: 300_000 });
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("a git push that changes one service pushes only that one; a push that changes nothing pushes nothing", async ({ page }) => {
    const pushes = new PushesPage(page);
    // Settle latest for both services first, whatever the seeded registry held. Layers are content-stable (issue 15):
    // only a change that reaches the image changes it, so the marker is copied into the tcp image.
    const dockerfile = 'FROM scratch\nCOPY server.json /etc/mcp/server.json\nCOPY tools.json /etc/mcp/tools.json\nCOPY e2e-marker.txt /etc/mcp/e2e-marker.txt\nLABEL org.opencontainers.image.title="mcp-server-tcp"\nEXPOSE 7000\n';
    const base = pushCommit({ "mcp-server-tcp/Dockerfile": dockerfile, "mcp-server-tcp/e2e-marker.txt": `base ${Date.now()}\n` }, "e2e: base");
    await pushes.open();
    await pushes.waitForJob(base, /succeeded|skipped/);

    const changed = pushCommit({ "mcp-server-tcp/e2e-marker.txt": `changed ${Date.now()}\n` }, "e2e: change tcp");
    await pushes.waitForJob(changed, /succeeded/);
    await expect(pushes.deliveryRows().filter({ hasText: "enqueued" }).first()).toBeVisible();
    await pushes.openJob(changed);
    await expect(pushes.serviceRow("mcp-server-tcp")).toContainText("pushed");
    await expect(pushes.serviceRow("mcp-server-http")).toContainText("skipped");
    await expectAccessibleAtEveryWidth(page, `the job page of ${changed.slice(0, 7)}`);
    const tcp = await tagsOf("mcp-server-tcp");
    const shaTag = tcp.find((t) => t.imageTag === changed.slice(0, 7));
    expect(shaTag).toBeTruthy();
    expect(tcp.find((t) => t.imageTag === "latest")?.imageDigest).toBe(shaTag?.imageDigest);
    expect((await tagsOf("mcp-server-http")).some((t) => t.imageTag === changed.slice(0, 7))).toBe(false);

    const docsOnly = pushCommit({ "NOTES.md": `nothing to build ${Date.now()}\n` }, "e2e: docs only");
    await pushes.open();
    await pushes.waitForJob(docsOnly, /skipped/);
    expect((await tagsOf("mcp-server-tcp")).some((t) => t.imageTag === docsOnly.slice(0, 7))).toBe(false);
    const { Octokit } = await import("@octokit/rest");
    const gh = new Octokit({ baseUrl: `${sandboxUrl}/api/v3`, auth: "ghp_sandboxadmintoken" });
    const { data: statuses } = await gh.repos.listCommitStatusesForRef({ owner: "acme", repo: "mcp-servers", ref: docsOnly });
    expect(statuses.find((s) => s.context === "deckhand/ecr-push")).toMatchObject({ state: "success", description: expect.stringMatching(/^unchanged/) });

    // The Registry names the Deckhand job that pushed the image.
    await page.goto(`/registry/mcp-server-tcp?tag=${changed.slice(0, 7)}`);
    await expect(page.locator(`tr[data-digest="${shaTag!.imageDigest}"]`).getByTestId("pushed-by")).toContainText("job ");

    // The Overview reads Deckhand's own record: the last decision per service is the docs-only commit's. Read fresh:
    // a spec run just before may have left the account's cached answers ("the push user does not exist") in place.
    await page.goto("/?refresh=1");
    const card = page.getByTestId("card-pushes");
    await expect(card.locator('[data-service="mcp-server-tcp"]')).toContainText(`unchanged at ${docsOnly.slice(0, 7)}`);
    await expect(card.locator('[data-service="mcp-server-http"]')).toContainText(`unchanged at ${docsOnly.slice(0, 7)}`);
  });
});
