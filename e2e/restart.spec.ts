import { expect, test } from "@playwright/test";
import fs from "node:fs";
import { startDeckhand } from "./support/deckhand-process";
import { E2E_PORT, E2E_SANDBOX_PORT } from "../playwright.config";
import { SignInPage } from "./pages/sign-in-page";
import { SettingsPage } from "./pages/settings-page";
import { AuditPage } from "./pages/audit-page";

const dataDir = ".deckhand-e2e-restart";

test.describe("restart", () => {
  test.describe.configure({ timeout: 300_000 });
  test.beforeAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  test.afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test("the store survives a restart: settings and audit entries are still there", async ({ browser }) => {
    // Ports of its own, next to the main run (E2E_PORT + 100, E2E_SANDBOX_PORT + 10).
    const opts = { port: E2E_PORT + 100, sandboxPort: E2E_SANDBOX_PORT + 10, dataDir };
    let app = await startDeckhand(opts);
    try {
      const ctx = await browser.newContext({ baseURL: app.url });
      const page = await ctx.newPage();
      await new SignInPage(page).signInAs("octo-operator");
      const settings = new SettingsPage(page);
      await settings.open();
      await settings.setThresholds({ rotate: 77, warn: 66, unused: 55 });
      await expect(settings.status()).toHaveText("Thresholds saved.");
      await ctx.close();
    } finally {
      expect(await app.stop()).toBe(0);
    }

    app = await startDeckhand(opts);
    try {
      const ctx = await browser.newContext({ baseURL: app.url });
      const page = await ctx.newPage();
      await new SignInPage(page).signInAs("octo-operator");
      const settings = new SettingsPage(page);
      await settings.open();
      await expect(settings.field("Rotate keys at (days)")).toHaveValue("77");
      const audit = new AuditPage(page);
      await audit.open();
      await expect(audit.row("settings.update-thresholds", "octo-operator", "success")).toHaveCount(1);
      // Two sign-ins: one before the restart, one after.
      await expect(audit.row("auth.sign-in", "octo-operator", "success")).toHaveCount(2);
      await ctx.close();
    } finally {
      await app.stop();
    }
  });
});
