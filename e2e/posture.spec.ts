import { expect, test, type APIRequestContext } from "@playwright/test";
import { ACTIVITY_ROWS } from "../lib/read/activity";
import { E2E_SANDBOX_PORT } from "../playwright.config";
import { CredentialsPage } from "./pages/credentials-page";
import { PolicyPage } from "./pages/policy-page";
import { ActivityPage } from "./pages/activity-page";
import { DoctorPage } from "./pages/doctor-page";
import { AuditPage } from "./pages/audit-page";
import { serverActionId } from "./server-actions";

const SANDBOX = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;
const ADMIN = { authorization: "Bearer sandbox-admin-token" };

async function sandbox(request: APIRequestContext, method: "POST" | "DELETE", route: string, data?: unknown) {
  const r = await request.fetch(`${SANDBOX}${route}`, { method, headers: ADMIN, data });
  expect(r.ok(), `${method} ${route}`).toBe(true);
}

test.describe("posture as viewer (seeded sandbox)", () => {
  test.use({ storageState: "e2e/.auth/viewer.json" });

  test("the 97-day key is flagged for rotation", async ({ page }) => {
    const credentials = new CredentialsPage(page);
    await credentials.open();
    const row = credentials.keyRows().filter({ hasText: "97 days" });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("rotate");
    await expect(row).toContainText("rotate at 90 days");
    await expect(credentials.section("GitHub configuration")).toContainText("AWS_ACCESS_KEY_ID exists as a secret");
    await expect(credentials.section("Which key GitHub holds")).toContainText("Most likely");
  });

  test("the seeded drift names the missing and the extra actions", async ({ page }) => {
    const policy = new PolicyPage(page);
    await policy.open();
    const drift = policy.drift("expected");
    await expect(drift.getByText("Missing (pushes may fail):")).toBeVisible();
    await expect(drift.locator("li").filter({ hasText: "ecr:CompleteLayerUpload" })).toContainText("pushes will fail");
    await expect(drift.locator("li").filter({ hasText: "ecr:BatchDeleteImage" })).toBeVisible();
    await expect(drift.locator("li").filter({ hasText: "ecr:DeleteRepository" })).toBeVisible();
    await expect(page.getByTestId("scoped-statement").first()).toContainText("arn:aws:ecr:us-east-1:123456789012:repository/");
    // Built from the expected policy: the action the drifted policy lacks is in it.
    await expect(page.getByTestId("scoped-statement").first()).toContainText("ecr:CompleteLayerUpload");
  });

  test("the activity page shows the seeded AccessDenied errors with the guide's explanation", async ({ page }) => {
    const activity = new ActivityPage(page);
    await activity.open();
    const group = activity.errorGroup("AccessDeniedException");
    await expect(group).toContainText("Not allowed by the IAM policy");
    await expect(group).toContainText("CompleteLayerUpload");
    await expect(group).toContainText("Access Denied / Permission Error");
    // The whole 90 days were paged through from CloudTrail; the table shows them ACTIVITY_ROWS at a time.
    const total = Number((await page.getByText(/^\d+ of \d+ events/).textContent())!.match(/of (\d+) events/)![1]);
    expect(total).toBeGreaterThan(500);
    await expect(activity.eventRows()).toHaveCount(ACTIVITY_ROWS);
    await page.getByRole("navigation", { name: "Event pages" }).getByRole("link", { name: "Older →" }).click();
    await expect(activity.eventRows()).toHaveCount(Math.min(ACTIVITY_ROWS, total - ACTIVITY_ROWS));
    await activity.open("errors=1&event=CompleteLayerUpload");
    await expect(activity.eventRows().first()).toContainText("AccessDeniedException");
    await expect(activity.eventRows().filter({ hasNotText: "AccessDeniedException" })).toHaveCount(0);
    await expect(page.getByRole("img", { name: /calls and \d+ errors over 90 days/ })).toBeVisible();
  });

  test("the doctor names the drifted action as why pushes fail", async ({ page }) => {
    const doctor = new DoctorPage(page);
    await doctor.open();
    const check = doctor.check("access-denied");
    await expect(check).toHaveAttribute("data-status", "fail");
    await expect(check.getByTestId("check-summary")).toContainText("ecr:CompleteLayerUpload");
    await expect(check).toContainText("If the policy is missing, add it using Step 2");
    await expect(check).toContainText("iam:GetUserPolicy");
  });

  test("viewers get no apply button, and a crafted call is refused", async ({ page, baseURL }) => {
    const policy = new PolicyPage(page);
    await policy.open();
    await expect(page.getByText("Only operators can apply the expected policy.")).toBeVisible();
    await expect(policy.applyButton()).toHaveCount(0);
    const response = await page.request.post("/policy", {
      headers: { "Next-Action": serverActionId("applyExpectedPolicyAction"), "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: baseURL! },
      data: JSON.stringify([{ reviewed: "0".repeat(32), confirm: "yes" }]),
    });
    expect(await response.text()).toContain("Only operators may do this.");
    await policy.open();
    await expect(policy.drift("expected").locator("li").filter({ hasText: "ecr:CompleteLayerUpload" })).toBeVisible();
    const audit = new AuditPage(page);
    await audit.open("?outcome=refused");
    await expect(audit.row("policy.apply-expected", "octo-viewer", "refused").first()).toBeVisible();
  });
});

test.describe("posture as operator", () => {
  test.use({ storageState: "e2e/.auth/operator.json" });

  test("applying the expected policy (diff, confirm) clears the drift and the access-denied check", async ({ page, request }) => {
    try {
      const policy = new PolicyPage(page);
      await policy.open();
      await expect(page.getByTestId("policy-diff")).toContainText("ecr:CompleteLayerUpload");
      await policy.applyExpectedPolicy();
      await expect(page.getByTestId("policy-identical")).toBeVisible();
      await expect(policy.drift("expected")).toContainText("no drift");
      const doctor = new DoctorPage(page);
      await doctor.open();
      await expect(doctor.check("access-denied")).toHaveAttribute("data-status", "pass");
      const audit = new AuditPage(page);
      await audit.open();
      await expect(audit.row("policy.apply-expected", "octo-operator", "success").first()).toBeVisible();
    } finally {
      await sandbox(request, "POST", "/_sandbox/reset");
      await page.goto("/policy?refresh=1");
    }
  });

  test("with IAM throttled past the retries, the credentials page still renders its other sections and says what failed", async ({ page, request }) => {
    await sandbox(request, "POST", "/_sandbox/faults", { service: "iam", operation: "ListAccessKeys", kind: "throttle", count: 1000 });
    try {
      const credentials = new CredentialsPage(page);
      await credentials.open();
      await expect(credentials.section("Access keys").getByRole("alert")).toContainText("IAM ListAccessKeys was throttled and still failed after retries with backoff");
      await expect(credentials.section("GitHub configuration")).toContainText("AWS_ACCESS_KEY_ID exists as a secret");
      await expect(credentials.section("Which key GitHub holds").getByRole("alert")).toContainText("IAM ListAccessKeys");
    } finally {
      await sandbox(request, "DELETE", "/_sandbox/faults");
      await page.goto("/credentials?refresh=1");
    }
  });
});
