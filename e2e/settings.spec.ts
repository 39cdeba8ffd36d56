import { expect, test } from "@playwright/test";
import { SettingsPage } from "./pages/settings-page";
import { AuditPage } from "./pages/audit-page";
import { serverActionId } from "./server-actions";

test.describe("settings as operator", () => {
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("thresholds are saved and the change is audited", async ({ page }) => {
    const settings = new SettingsPage(page);
    await settings.open();
    await settings.setThresholds({ rotate: 80, warn: 60, unused: 30 });
    await expect(settings.status()).toHaveText("Thresholds saved.");
    await settings.open();
    await expect(settings.field("Rotate keys at (days)")).toHaveValue("80");
    await expect(settings.field("Warn from (days)")).toHaveValue("60");
    const audit = new AuditPage(page);
    await audit.open();
    await expect(audit.row("settings.update-thresholds", "octo-operator", "success").first()).toBeVisible();
  });

  test("webhook pushes can be turned off (the workflow is the pusher) and on again, audited", async ({ page }) => {
    const settings = new SettingsPage(page);
    await settings.open();
    const form = settings.webhookPushes();
    await expect(form.getByTestId("webhook-pushes-state")).toContainText("On:");
    await form.getByRole("button", { name: "Turn webhook pushes off" }).click();
    await expect(form.getByRole("status")).toHaveText("Webhook pushes are off.");
    await expect(form.getByTestId("webhook-pushes-state")).toContainText("Off: push deliveries are recorded and ignored");
    await form.getByRole("button", { name: "Turn webhook pushes on" }).click();
    await expect(form.getByRole("status")).toHaveText("Webhook pushes are on.");
    await expect(form.getByTestId("webhook-pushes-state")).toContainText("On:");
    await page.goto("/audit");
    await expect(page.getByText("settings.webhook-pushes").first()).toBeVisible();
  });

  test("bad input gets a clear error and changes nothing", async ({ page }) => {
    const settings = new SettingsPage(page);
    await settings.open();
    const before = await settings.field("Rotate keys at (days)").inputValue();
    await settings.setThresholds({ rotate: 30, warn: 40, unused: 10 });
    await expect(settings.status()).toHaveText("Some fields need attention.");
    await expect(page.getByText("The warning must come before the rotation age")).toBeVisible();
    await settings.open();
    await expect(settings.field("Rotate keys at (days)")).toHaveValue(before);
  });
});

test.describe("settings form input", () => {
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("a refused save keeps what was typed and names each field's rule; blank is not 0 and 1e3 is not 1000", async ({ page }) => {
    const settings = new SettingsPage(page);
    await settings.open();
    await expect(page.getByText("whole days, 1–3650").first()).toBeVisible();
    const before = await settings.field("Rotate keys at (days)").inputValue();
    await settings.setThresholds({ rotate: "1e3", warn: "7.5", unused: "" });
    await expect(settings.status()).toHaveText("Some fields need attention.");
    await expect(settings.field("Rotate keys at (days)")).toHaveValue("1e3");
    await expect(settings.field("Warn from (days)")).toHaveValue("7.5");
    await expect(settings.field("Unused after (days)")).toHaveValue("");
    await expect(settings.fieldError("rotateAfterDays")).toContainText("Whole days only");
    await expect(settings.fieldError("rotateAfterDays")).toContainText("“1e3”");
    await expect(settings.fieldError("warnAfterDays")).toContainText("Whole days only");
    await expect(settings.fieldError("unusedAfterDays")).toHaveText("Enter a number of days (1 to 3650)");
    await expect(settings.field("Rotate keys at (days)")).toHaveAttribute("aria-invalid", "true");
    // Correcting one field keeps the others as typed.
    await settings.field("Unused after (days)").fill("30");
    await page.getByRole("button", { name: "Save thresholds" }).click();
    await expect(settings.fieldError("unusedAfterDays")).toHaveCount(0);
    await expect(settings.field("Unused after (days)")).toHaveValue("30");
    await expect(settings.field("Rotate keys at (days)")).toHaveValue("1e3");
    await settings.open();
    await expect(settings.field("Rotate keys at (days)")).toHaveValue(before);
  });
});

test.describe("settings as viewer", () => {
  test.use({ storageState: "e2e/.auth/viewer.json" });

  test("the form is read-only", async ({ page }) => {
    const settings = new SettingsPage(page);
    await settings.open();
    await expect(settings.field("Rotate keys at (days)")).toBeDisabled();
    await expect(page.getByRole("button", { name: "Save thresholds" })).toHaveCount(0);
    await expect(page.getByText("Only operators can change settings.")).toBeVisible();
  });

  test("a crafted POST to the operator's server action is refused and audited", async ({ page, baseURL }) => {
    const settings = new SettingsPage(page);
    await settings.open();
    const before = await settings.field("Rotate keys at (days)").inputValue();

    // What a viewer could send without the UI: the action id from the page's bundle, their own cookie.
    const response = await page.request.post("/settings", {
      headers: {
        "Next-Action": serverActionId("updateThresholdsAction"),
        "Content-Type": "text/plain;charset=UTF-8",
        Accept: "text/x-component",
        Origin: baseURL!,
      },
      data: JSON.stringify([{ rotateAfterDays: 5, warnAfterDays: 2, unusedAfterDays: 3 }]),
    });
    expect(response.status()).toBe(200);
    expect(await response.text()).toContain("Only operators may do this.");

    await settings.open();
    await expect(settings.field("Rotate keys at (days)")).toHaveValue(before);
    const audit = new AuditPage(page);
    await audit.open("?outcome=refused");
    await expect(audit.row("settings.update-thresholds", "octo-viewer", "refused").first()).toBeVisible();
  });
});
