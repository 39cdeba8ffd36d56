import { expect, test } from "@playwright/test";
import { PushesPage } from "./pages/pushes-page";
import { serverActionId } from "./server-actions";

test.describe("pushes by hand", () => {
  test.describe.configure({ timeout: 240_000 });

  test.describe("as operator", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });

    test("triggers a push of a branch, follows it live, and re-runs it as a new job", async ({ page }) => {
      const pushes = new PushesPage(page);
      await pushes.open();
      await page.getByLabel("Branch or commit").fill("main");
      await page.getByRole("button", { name: "Push now" }).click();
      const form = page.getByRole("form", { name: "Trigger a push" });
      await expect(form.getByRole("status")).toContainText(/Queued a push of [0-9a-f]{7}|is already queued/);
      await page.getByRole("link", { name: "Follow it" }).click();
      await expect(page.getByTestId("job-state")).toContainText(/succeeded|skipped/, { timeout: 180_000 });
      await expect(page.getByTestId("job-log")).toContainText("took attempt 1");
      const first = page.url();

      page.once("dialog", (d) => void d.accept());
      await page.getByRole("button", { name: "Re-run" }).click();
      await expect(page).not.toHaveURL(first);
      await expect(page.getByTestId("job-state")).toContainText(/succeeded|skipped/, { timeout: 180_000 });
      await expect(page.getByText("rerun push requested by octo-operator")).toBeVisible();
      // What each service's build reused: uploads against the image, cached steps, time per phase.
      const row = page.getByTestId("services-table").locator("tbody tr").first();
      await expect(row.getByTestId("uploaded")).toContainText(/nothing|of \d+ blobs/);
      await expect(row.getByTestId("steps-cached")).toContainText(/cached|not built: inputs unchanged/);
      await expect(row.getByTestId("phases")).toContainText(/inputs \d/);

      const second = page.url();
      page.once("dialog", (d) => void d.accept());
      await page.getByRole("button", { name: "Rebuild with fresh base images" }).click();
      await expect(page).not.toHaveURL(second);
      await expect(page.getByText("pulled again for this job")).toBeVisible();
      await expect(page.getByTestId("job-state")).toContainText(/succeeded|skipped/, { timeout: 180_000 });
    });

    test("asks every worker to drop its build cache", async ({ page }) => {
      const pushes = new PushesPage(page);
      await pushes.open();
      page.once("dialog", (d) => void d.accept());
      await page.getByRole("button", { name: "Drop build caches" }).click();
      const caches = page.getByTestId("build-caches");
      await expect(caches.getByRole("status")).toContainText("Each worker drops its build cache before its next job.");
      await expect(caches).toContainText(/Last asked .* UTC by octo-operator/);
    });

    test("names a branch GitHub does not have, and queues nothing", async ({ page }) => {
      const pushes = new PushesPage(page);
      await pushes.open();
      const before = await page.getByTestId("jobs-table").locator("tbody tr").count();
      await page.getByLabel("Branch or commit").fill("no-such-branch");
      await page.getByRole("button", { name: "Push now" }).click();
      await expect(page.getByRole("form", { name: "Trigger a push" }).getByRole("alert")).toContainText('GitHub has no branch or ref "no-such-branch"');
      await pushes.open();
      await expect(page.getByTestId("jobs-table").locator("tbody tr")).toHaveCount(before);
    });
  });

  test.describe("as viewer", () => {
    test.use({ storageState: "e2e/.auth/viewer.json" });

    test("gets no push form, and a crafted trigger is refused", async ({ page, baseURL }) => {
      const pushes = new PushesPage(page);
      await pushes.open();
      await expect(page.getByRole("button", { name: "Push now" })).toHaveCount(0);
      await expect(page.getByRole("button", { name: "Drop build caches" })).toHaveCount(0);
      const res = await page.request.post("/pushes", {
        headers: { "Next-Action": serverActionId("triggerPushAction"), "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: baseURL! },
        data: JSON.stringify([{ target: "main" }]),
      });
      expect(await res.text()).toContain("Only operators may do this.");
    });
  });
});
