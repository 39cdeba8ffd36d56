import fs from "node:fs";
import path from "node:path";
import { Octokit } from "@octokit/rest";
import { expect, test } from "@playwright/test";
import { DeckhandPushesPage } from "./pages/deckhand-pushes-page";
import { OverviewPage } from "./pages/overview-page";
import { PushesPage } from "./pages/pushes-page";
import { pushCommit, sandboxUrl } from "./support/sandbox-admin";

// GitHub as anyone would check it afterwards: the sandbox's REST API with the administrator token.
const github = new Octokit({ auth: "ghp_sandboxadmintoken", baseUrl: `${sandboxUrl}/api/v3`, request: { retries: 0 } });
const repo = { owner: "acme", repo: "mcp-servers" };
const WORKFLOW = ".github/workflows/ecr.yml";
const BRANCH = "deckhand/deckhand-pushes";

test.describe("Deckhand pushes: a pull request that takes the push out of the workflow", () => {
  test.describe.configure({ timeout: 300_000 });

  test.describe("as operator", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });

    test("two pushers are found, the diff is shown first, the pull request is opened from a branch; main is untouched", async ({ page }) => {
      const overview = new OverviewPage(page);
      const pushes = new PushesPage(page);
      // The seeded CloudTrail holds the workflow's PutImage calls for mcp-server-tcp; Deckhand's worker now pushes
      // it too (a change that reaches the image, so the push is not skipped).
      const dockerfile =
        'FROM scratch\nCOPY server.json /etc/mcp/server.json\nCOPY tools.json /etc/mcp/tools.json\nCOPY e2e-marker.txt /etc/mcp/e2e-marker.txt\nLABEL org.opencontainers.image.title="mcp-server-tcp"\nEXPOSE 7000\n';
      const sha = pushCommit({ "mcp-server-tcp/Dockerfile": dockerfile, "mcp-server-tcp/e2e-marker.txt": `deckhand pushes ${Date.now()}\n` }, "e2e: Deckhand pushes tcp");
      await pushes.open();
      await pushes.waitForJob(sha, /succeeded/, 240_000);

      await expect(async () => {
        await overview.open();
        await expect(overview.twoPushers()).toBeVisible({ timeout: 2000 });
      }).toPass({ timeout: 60_000, intervals: [2000] });
      await expect(overview.twoPushers().locator('[data-repository="mcp-server-tcp"]')).toBeVisible();
      await overview.twoPushers().getByRole("link", { name: "See the change and open a pull request" }).click();

      const dp = new DeckhandPushesPage(page);
      await expect(page).toHaveURL(/\/workflows\/deckhand-pushes$/);
      await expect(page.getByRole("heading", { name: "Deckhand pushes", level: 1 })).toBeVisible();
      // Who pushes after the merge: webhook pushes on, and the job that just pushed tcp succeeded.
      await expect(dp.deckhandBuilds()).toHaveAttribute("data-ready", "true");
      await expect(dp.deckhandBuilds()).toContainText("Webhook pushes are on");
      await expect(dp.deckhandBuilds()).toContainText(`(commit ${sha.slice(0, 7)}`);
      // The seeded workflow does nothing but push: the change deletes it.
      await expect(dp.diff()).toContainText(`--- a/${WORKFLOW}`);
      await expect(dp.diff()).toContainText("+++ /dev/null");
      await expect(dp.diff()).toContainText("-        uses: aws-actions/amazon-ecr-login@v2");
      await expect(dp.removedParts()).toContainText("Login to Amazon ECR");
      await expect(dp.removedParts()).toContainText("no job is left: the workflow file is deleted");

      const mainBefore = (await github.repos.getBranch({ ...repo, branch: "main" })).data.commit.sha;
      await dp.openButton().click();
      await expect(dp.result()).toContainText(/Opened pull request #\d+\./);
      const number = Number(/#(\d+)/.exec((await dp.result().textContent()) ?? "")?.[1]);
      await expect(dp.pullRequestLink()).toHaveAttribute("href", new RegExp(`/acme/mcp-servers/pull/${number}$`));

      // What GitHub holds now: an open pull request from Deckhand's branch, the workflow gone on that branch only.
      const pr = (await github.pulls.get({ ...repo, pull_number: number })).data;
      expect(pr).toMatchObject({ state: "open", merged: false, head: { ref: BRANCH }, base: { ref: "main" } });
      expect(pr.body).toContain("Deckhand's worker builds each commit GitHub's push webhook announces");
      const files = (await github.pulls.listFiles({ ...repo, pull_number: number })).data;
      expect(files.map((f) => [f.filename, f.status])).toEqual([[WORKFLOW, "removed"]]);
      await expect(github.repos.getContent({ ...repo, path: WORKFLOW, ref: BRANCH })).rejects.toMatchObject({ status: 404 });
      expect((await github.repos.getBranch({ ...repo, branch: "main" })).data.commit.sha).toBe(mainBefore);
      expect((await github.repos.getContent({ ...repo, path: WORKFLOW, ref: "main" })).status).toBe(200);

      // Back on the page: the open pull request is shown instead of the button.
      await dp.open();
      await expect(dp.openPullRequestNotice()).toContainText(`#${number}`);
      await expect(dp.openButton()).toHaveCount(0);
      await page.goto("/audit");
      await expect(page.getByText("workflows.deckhand-pushes").first()).toBeVisible();

      // Leave GitHub as the specs after this one expect it.
      await github.pulls.update({ ...repo, pull_number: number, state: "closed" });
      await github.git.deleteRef({ ...repo, ref: `heads/${BRANCH}` });
    });
  });

  test.describe("a workflow Deckhand will not cut", () => {
    test.use({ storageState: "e2e/.auth/operator.json" });
    const SEEDED = fs.readFileSync(path.join(__dirname, "..", "lib", "sandbox", "github", "fixtures", "mcp-servers", WORKFLOW), "utf8");

    test("a push step that also lints: the refusal says why and what to do by hand, and there is no button", async ({ page }) => {
      const mixed = SEEDED.replace("          docker compose build\n", "          npm run lint\n          docker compose build\n");
      pushCommit({ [WORKFLOW]: mixed }, "e2e: lint inside the push step");
      try {
        const dp = new DeckhandPushesPage(page);
        await dp.open();
        const refused = page.getByTestId("workflow-change-refused");
        await expect(refused).toContainText('Step "Build and push images" in job "build-and-push" pushes images but also runs other commands');
        await expect(refused).toContainText("By hand:");
        await expect(refused.getByRole("link", { name: "Settings" })).toHaveAttribute("href", "/settings");
        await expect(dp.openButton()).toHaveCount(0);
      } finally {
        pushCommit({ [WORKFLOW]: SEEDED }, "e2e: restore the workflow");
      }
    });
  });

  test.describe("as viewer", () => {
    test.use({ storageState: "e2e/.auth/viewer.json" });

    test("sees the diff but no button", async ({ page }) => {
      const dp = new DeckhandPushesPage(page);
      await dp.open();
      await expect(dp.diff()).toContainText(`--- a/${WORKFLOW}`);
      await expect(dp.openButton()).toHaveCount(0);
      await expect(page.getByTestId("viewer-note")).toHaveText("Only operators can open the pull request.");
    });
  });
});
