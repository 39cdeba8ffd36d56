import { E2E_PORT, E2E_SANDBOX_PORT } from "../playwright.config";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { CreateRepositoryCommand, DeleteRepositoryCommand, DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { makeAttestationIndex, pushAmd64Image, pushCosignSignature } from "../lib/tooling/testing/make-attestation-index";
import { RegistryPage } from "./pages/registry-page";

// The e2e sandbox, read directly with the SDK: the page must show exactly what DescribeImages returns.
const SANDBOX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const ecr = new ECRClient({
  region: "us-east-1",
  endpoint: SANDBOX,
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
});

async function imagesOf(repositoryName: string) {
  const out = await ecr.send(new DescribeImagesCommand({ repositoryName, maxResults: 1000 }));
  return out.imageDetails ?? [];
}

/**
 * Opens a page read fresh (?refresh=1: the listings an earlier spec cached are not what is compared) and returns what
 * DescribeImages said of each repository while the page was read: the same before and after, so a push landing
 * meanwhile (Deckhand's worker may still be finishing an earlier spec's job) is not taken for the page being wrong.
 */
async function openQuietly(open: () => Promise<void>, names: string[]) {
  const snapshot = async () => Promise.all(names.map(imagesOf));
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await snapshot();
    await open();
    const after = await snapshot();
    if (JSON.stringify(before) === JSON.stringify(after)) return new Map(names.map((n, i) => [n, after[i]]));
  }
  throw new Error(`ECR kept changing under ${names.join(", ")} while the page was read`);
}

async function sandbox(request: APIRequestContext, method: "POST" | "DELETE", route: string, data?: unknown) {
  const res = await request.fetch(`${SANDBOX}${route}`, { method, headers: { authorization: "Bearer sandbox-admin-token" }, data });
  expect(res.ok()).toBe(true);
}

test.describe("registry", () => {
  test.use({ storageState: "e2e/.auth/viewer.json" });

  test("lists both repositories with the digest latest points to, as DescribeImages says", async ({ page }) => {
    const registry = new RegistryPage(page);
    const names = ["mcp-server-tcp", "mcp-server-http"];
    const listed = await openQuietly(async () => {
      await registry.open("?refresh=1");
      await expect(registry.repositoryRow(names[0])).toBeVisible();
    }, names);
    for (const name of names) {
      const images = listed.get(name)!;
      const latest = images.find((i) => i.imageTags?.includes("latest"));
      expect(latest).toBeDefined();
      const row = registry.repositoryRow(name);
      await expect(row).toBeVisible();
      await expect(row.getByTestId("image-count")).toHaveText(String(images.length));
      await expect(row.getByTestId("latest-digest")).toHaveAttribute("data-digest", latest!.imageDigest!);
    }
  });

  test("a repository page shows every image's digest and tags and marks latest", async ({ page }) => {
    const registry = new RegistryPage(page);
    const listed = await openQuietly(async () => {
      await registry.openRepository("mcp-server-tcp", "?refresh=1");
      await expect(page.getByTestId("image-total")).toBeVisible();
    }, ["mcp-server-tcp"]);
    const images = listed.get("mcp-server-tcp")!;
    await expect(page.getByTestId("image-total")).toHaveText(String(images.length));
    for (const img of images) {
      const row = registry.imageRow(img.imageDigest!);
      await expect(row).toBeVisible();
      for (const tag of img.imageTags ?? []) await expect(row.locator(`[data-tag="${tag}"]`)).toBeVisible();
    }
    const latest = images.find((i) => i.imageTags?.includes("latest"))!;
    await expect(registry.latestRows()).toHaveCount(1);
    await expect(registry.latestRows()).toHaveAttribute("data-digest", latest.imageDigest!);
    await expect(registry.latestRows().getByTestId("latest-marker")).toBeVisible();
    await expect(page.getByTestId("latest-manifest-digest")).toHaveText(latest.imageDigest!);
    // SHA tags link to their commit on GitHub.
    const sha = latest.imageTags!.find((t) => t !== "latest")!;
    await expect(registry.latestRows().locator(`a[data-tag="${sha}"]`)).toHaveAttribute("href", new RegExp(`/acme/mcp-servers/commit/${sha}$`));
  });

  test("still works while GitHub answers 503", async ({ page, request }) => {
    await sandbox(request, "POST", "/_sandbox/faults", { service: "github", operation: "*", kind: "503", count: -1 });
    try {
      const registry = new RegistryPage(page);
      await registry.open();
      await expect(registry.repositoryRow("mcp-server-tcp")).toBeVisible();
      await expect(registry.sectionErrors()).toHaveCount(0);
      await registry.openRepository("mcp-server-http");
      await expect(registry.latestRows()).toHaveCount(1);
    } finally {
      await sandbox(request, "DELETE", "/_sandbox/faults");
    }
  });

  test("field case ecr-latest-attestation-index: latest as an index shows its platform and its attestation, not an untagged image", async ({ page }) => {
    const repositoryName = "field/attested";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    try {
      await pushAmd64Image(ecr, repositoryName, "attested layer", ["abc1234", "latest"]);
      const made = await makeAttestationIndex(ecr, repositoryName);
      expect((await imagesOf(repositoryName)).length).toBe(3);

      const registry = new RegistryPage(page);
      for (const width of [1440, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await registry.openRepository(repositoryName);
        // Two images (the index and the amd64 image it holds, which keeps its commit tag); the attestation is no row.
        await expect(page.getByTestId("image-total")).toHaveText("2");
        await expect(page.getByTestId("untagged-count")).toHaveText("0 untagged");
        await expect(page.getByTestId("inside-indexes")).toContainText("+ 1 manifest inside image indexes");
        await expect(registry.imageRow(made.attestation)).toHaveCount(0);
        const latest = registry.latestRows();
        await expect(latest).toHaveAttribute("data-digest", made.index);
        await expect(latest.locator('[data-platform="linux/amd64"] [data-digest]')).toHaveAttribute("data-digest", made.child);
        await expect(latest.getByTestId("index-attestations")).toContainText("attestation of linux/amd64");
        await expect(page.getByTestId("latest-card").getByTestId("index-platforms")).toContainText("Image index, 1 platform:");
        await expect(registry.imageRow(made.child).getByTestId("in-index")).toBeVisible();
        await page.screenshot({ path: `test-results/registry-attestation-${width}.png`, fullPage: true });
      }
    } finally {
      await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    }
  });

  test("a signed latest: cosign's signatures (a sha256-<hex>.sig tag and an OCI 1.1 referrer) show with the image, not as images", async ({ page }) => {
    const repositoryName = "field/signed";
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    try {
      const image = await pushAmd64Image(ecr, repositoryName, "signed layer", ["abc1234", "latest"]);
      const subject = { digest: image.digest, size: Buffer.byteLength(image.manifest), mediaType: "application/vnd.oci.image.manifest.v1+json" };
      const tagged = await pushCosignSignature(ecr, repositoryName, subject, { tag: `sha256-${image.digest.slice(7)}.sig` });
      const referrer = await pushCosignSignature(ecr, repositoryName, subject, { withSubject: true });
      expect((await imagesOf(repositoryName)).length).toBe(3);

      const registry = new RegistryPage(page);
      for (const width of [1440, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await registry.openRepository(repositoryName);
        await expect(page.getByTestId("image-total")).toHaveText("1");
        await expect(page.getByTestId("untagged-count")).toHaveText("0 untagged");
        await expect(registry.imageRow(tagged)).toHaveCount(0);
        await expect(registry.imageRow(referrer)).toHaveCount(0);
        const latest = registry.latestRows();
        await expect(latest).toHaveAttribute("data-digest", image.digest);
        await expect(latest.locator("[data-referrer-kind]")).toHaveCount(2);
        // The cosign tag repeats the image's digest: shortened on the page, whole in the title.
        await expect(latest.getByTestId("image-referrers")).toContainText(`signature (sha256-${image.digest.slice(7, 19)}….sig)`);
        await expect(page.getByTestId("attached-referrers")).toContainText("+ 2 signatures, attestations or SBOMs shown with their image");
      }
    } finally {
      await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    }
  });
});

test.describe("registry without a session", () => {
  // A latency rule of 1 ms on every ECR call counts the calls: each one takes one from `remaining`.
  async function ecrCallCounter(request: APIRequestContext) {
    await sandbox(request, "DELETE", "/_sandbox/faults");
    await sandbox(request, "POST", "/_sandbox/faults", { service: "ecr", operation: "*", kind: "latency", latencyMs: 1, count: 100_000 });
    return async () => {
      const res = await request.fetch(`${SANDBOX}/_sandbox/faults`, { headers: { authorization: "Bearer sandbox-admin-token" } });
      const { faults } = (await res.json()) as { faults: Array<{ service: string; remaining: number }> };
      return 100_000 - (faults.find((f) => f.service === "ecr")?.remaining ?? 0);
    };
  }

  test("anonymous GET /registry and /registry/<name> redirect to sign-in and make no ECR call", async ({ playwright }) => {
    const anonymous = await playwright.request.newContext({ baseURL: `http://localhost:${E2E_PORT}` });
    const admin = await playwright.request.newContext();
    try {
      const ecrCalls = await ecrCallCounter(admin);
      for (const path of ["/registry", "/registry/mcp-server-tcp", `/registry/anon-${Date.now()}`, "/registry?sort=images"]) {
        const res = await anonymous.get(path, { maxRedirects: 0 });
        expect(res.status(), path).toBeGreaterThanOrEqual(300);
        expect(res.status(), path).toBeLessThan(400);
        expect(res.headers()["location"], path).toContain("/sign-in");
      }
      expect(await ecrCalls()).toBe(0);

      // The counter counts: the same kind of request with a session does call ECR.
      const viewer = await playwright.request.newContext({ baseURL: `http://localhost:${E2E_PORT}`, storageState: "e2e/.auth/viewer.json" });
      try {
        const res = await viewer.get(`/registry/signed-in-${Date.now()}`);
        expect(res.status()).toBe(404);
        expect(await ecrCalls()).toBeGreaterThan(0);
        // Malformed percent-encoding is a 404, never a 500, and costs no ECR call.
        const before = await ecrCalls();
        expect((await viewer.get("/registry/%E0%A4%A")).status()).toBe(404);
        expect((await viewer.get("/registry/%2541")).status()).toBe(404);
        expect(await ecrCalls()).toBe(before);
      } finally {
        await viewer.dispose();
      }
    } finally {
      await sandbox(admin, "DELETE", "/_sandbox/faults");
      await anonymous.dispose();
      await admin.dispose();
    }
  });
});
