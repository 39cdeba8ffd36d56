import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { PushesPage } from "./pages/pushes-page";
import { pushCommit } from "./support/sandbox-admin";

// The seeded repository's compose file, restored at the end so the specs after this one build what they expect.
const SEEDED_COMPOSE = fs.readFileSync(path.join(__dirname, "..", "lib", "sandbox", "github", "fixtures", "mcp-servers", "compose.yaml"), "utf8");

test.describe("a service for a platform no worker builds", () => {
  test.describe.configure({ timeout: 300_000 });
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("waits with its reason on the Pushes page and the job page; the Workers list shows what the worker builds", async ({ page }) => {
    const pushes = new PushesPage(page);
    // The embedded worker builds its own platform only (this host has no qemu): arm-tools' RUN step needs linux/arm64.
    const compose =
      SEEDED_COMPOSE.trimEnd() +
      '\n\n  arm-tools:\n    platform: linux/arm64\n    build:\n      context: ./mcp-server-tcp\n      dockerfile_inline: |\n        FROM scratch\n        RUN ["/tool"]\n';
    try {
      const sha = pushCommit({ "compose.yaml": compose, "mcp-server-tcp/e2e-platform.txt": `changed ${Date.now()}\n` }, "e2e: a service for linux/arm64");
      await pushes.open();
      await pushes.waitForJob(sha, /waiting/, 240_000);
      await expect(pushes.jobRow(sha).first().getByTestId("job-waiting")).toHaveText("waiting: arm-tools waits for a worker that can build linux/arm64");
      await expect(pushes.workerRows().first().getByTestId("worker-platforms")).toContainText("linux/");
      await expect(pushes.workerRows().filter({ hasText: "linux/arm64" })).toHaveCount(0);

      await pushes.openJob(sha);
      await expect(page.getByTestId("job-state")).toContainText("waiting");
      await expect(page.getByTestId("part-arm-tools")).toContainText("waits for a worker that can build linux/arm64");
      // The other service is not held up by the waiting one: it is settled, pushed or (when an earlier spec already
      // pushed this very image, e.g. deckhand-pushes run just before) skipped as unchanged.
      await expect(pushes.serviceRow("mcp-server-tcp").getByTestId("service-decision")).toContainText(/pushed|skippedconfig-matches/);
      await expect(pushes.serviceRow("arm-tools").getByTestId("service-decision")).toContainText("waiting");
    } finally {
      // A newer push to main supersedes the waiting job (none of its parts is being built).
      const restored = pushCommit({ "compose.yaml": SEEDED_COMPOSE }, "e2e: restore compose.yaml");
      await pushes.open();
      await pushes.waitForJob(restored, /succeeded|skipped|failed/, 240_000);
    }
  });
});
