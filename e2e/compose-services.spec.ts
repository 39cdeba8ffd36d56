import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { PushesPage } from "./pages/pushes-page";
import { pushCommit } from "./support/sandbox-admin";

// The seeded repository's compose file, restored at the end so the specs after this one build what they expect.
const SEEDED_COMPOSE = fs.readFileSync(path.join(__dirname, "..", "lib", "sandbox", "github", "fixtures", "mcp-servers", "compose.yaml"), "utf8");

test.describe("compose services that are not built", () => {
  test.describe.configure({ timeout: 300_000 });
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("one service failing in the compose file fails alone: the page names its file, line and key, the other services still push", async ({ page }) => {
    const pushes = new PushesPage(page);
    // `reports` uses build.network, which Deckhand's builder does not support; `debug-tools` is behind a profile.
    const compose =
      SEEDED_COMPOSE.trimEnd() +
      "\n\n  reports:\n    build:\n      context: ./mcp-server-tcp\n      network: host\n\n  debug-tools:\n    build: ./mcp-server-http\n    image: debug-tools\n    profiles: [debug]\n";
    const line = compose.split("\n").indexOf("      network: host") + 1;
    try {
      const sha = pushCommit({ "compose.yaml": compose, "mcp-server-tcp/e2e-compose.txt": `changed ${Date.now()}\n` }, "e2e: a service Deckhand cannot build");
      await pushes.open();
      await pushes.waitForJob(sha, /failed/);
      await pushes.openJob(sha);
      await expect(page.getByTestId("job-state")).toContainText("failed");
      await expect(pushes.serviceRow("mcp-server-tcp").getByTestId("service-decision")).toContainText("pushed");
      const reports = pushes.serviceRow("reports");
      await expect(reports.getByTestId("service-decision")).toContainText("failed");
      await expect(reports.getByTestId("service-detail")).toContainText(`compose.yaml:${line}:7: services.reports.build.network: not supported`);
      const debug = pushes.serviceRow("debug-tools");
      await expect(debug.getByTestId("service-decision")).toContainText("not built");
      await expect(debug.getByTestId("service-detail")).toContainText("profile-not-selected");
      await expect(page.getByText(`reports: compose.yaml:${line}:7`).first()).toBeVisible();
    } finally {
      const restored = pushCommit({ "compose.yaml": SEEDED_COMPOSE }, "e2e: restore compose.yaml");
      await pushes.open();
      await pushes.waitForJob(restored, /succeeded|skipped|failed/);
    }
  });
});
