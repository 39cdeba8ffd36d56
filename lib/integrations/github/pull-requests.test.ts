import { describe, expect, it } from "vitest";
import { CallFailure } from "../../failures";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import {
  createBranch,
  deleteRepositoryFile,
  findOpenPullRequest,
  githubStatusOf,
  moveBranch,
  openPullRequest,
  readBranchSha,
  readDefaultBranch,
  readPullRequest,
  readRepositoryFile,
  writeRepositoryFile,
} from "./pull-requests";

const sbx = sharedTestSandbox({}, { validateGitHubOpenApi: true });
const WORKFLOW = ".github/workflows/ecr.yml";

describe("pull request pieces, over the wire", () => {
  it("reads a file with its blob sha; a missing path or ref is null", async () => {
    const { github, repo } = sbx.clients;
    const file = await readRepositoryFile({ github, repo, path: WORKFLOW });
    expect(file?.text).toContain("Build and Push to AWS ECR");
    expect(file?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await readRepositoryFile({ github, repo, path: "no/such/file.yml" })).toBeNull();
    expect(await readRepositoryFile({ github, repo, path: WORKFLOW, ref: "no-such-branch" })).toBeNull();
  });

  it("branches, a file change, a pull request; finding it again instead of a duplicate; the default branch untouched", async () => {
    const { github, repo } = sbx.clients;
    const base = await readDefaultBranch({ github, repo });
    expect(base).toBe("main");
    const mainSha = (await readBranchSha({ github, repo, branch: base }))!;
    expect(await readBranchSha({ github, repo, branch: "deckhand/test" })).toBeNull();
    await createBranch({ github, repo, branch: "deckhand/test", sha: mainSha });
    const again = await createBranch({ github, repo, branch: "deckhand/test", sha: mainSha }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CallFailure);
    expect(githubStatusOf(again)).toBe(422);
    const before = (await readRepositoryFile({ github, repo, path: WORKFLOW, ref: "deckhand/test" }))!;
    const { commitSha } = await writeRepositoryFile({ github, repo, branch: "deckhand/test", path: WORKFLOW, text: "name: changed\n", message: "Change", sha: before.sha });
    expect(await readBranchSha({ github, repo, branch: "deckhand/test" })).toBe(commitSha);
    // A stale sha is GitHub's 409, named as a failed call.
    const stale = await writeRepositoryFile({ github, repo, branch: "deckhand/test", path: WORKFLOW, text: "x", message: "x", sha: before.sha }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(CallFailure);
    expect((stale as CallFailure).message).toMatch(/create or update file contents/);
    expect(githubStatusOf(stale)).toBe(409);
    expect(await findOpenPullRequest({ github, repo, head: "deckhand/test" })).toBeNull();
    const pr = await openPullRequest({ github, repo, head: "deckhand/test", base, title: "Try", body: "Because" });
    expect(pr).toMatchObject({ state: "open", merged: false, headRef: "deckhand/test", baseRef: "main", headSha: commitSha, mergeCommitSha: null });
    expect(pr.url).toMatch(/\/acme\/mcp-servers\/pull\/\d+$/);
    expect(await findOpenPullRequest({ github, repo, head: "deckhand/test" })).toEqual(pr);
    expect(await readPullRequest({ github, repo, number: pr.number })).toEqual(pr);
    expect(await readPullRequest({ github, repo, number: 9999 })).toBeNull();
    expect(await readBranchSha({ github, repo, branch: "main" })).toBe(mainSha);
    expect((await readRepositoryFile({ github, repo, path: WORKFLOW }))!.text).toBe(before.text);
  });

  it("moves a branch back (forced) and deletes a file on it", async () => {
    const { github, repo } = sbx.clients;
    const mainSha = (await readBranchSha({ github, repo, branch: "main" }))!;
    await expect(moveBranch({ github, repo, branch: "deckhand/test", sha: mainSha })).rejects.toBeInstanceOf(CallFailure);
    await moveBranch({ github, repo, branch: "deckhand/test", sha: mainSha, force: true });
    await createBranch({ github, repo, branch: "deckhand/other", sha: mainSha });
    const file = (await readRepositoryFile({ github, repo, path: WORKFLOW, ref: "deckhand/other" }))!;
    await deleteRepositoryFile({ github, repo, branch: "deckhand/other", path: WORKFLOW, message: "Remove", sha: file.sha });
    expect(await readRepositoryFile({ github, repo, path: WORKFLOW, ref: "deckhand/other" })).toBeNull();
    const ahead = (await readBranchSha({ github, repo, branch: "deckhand/other" }))!;
    await moveBranch({ github, repo, branch: "deckhand/test", sha: ahead });
    await expect(moveBranch({ github, repo, branch: "deckhand/test", sha: mainSha })).rejects.toBeInstanceOf(CallFailure);
    await moveBranch({ github, repo, branch: "deckhand/test", sha: mainSha, force: true });
    expect(await readBranchSha({ github, repo, branch: "deckhand/test" })).toBe(mainSha);
  });
});
