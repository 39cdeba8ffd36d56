import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { readRepoFile } from "./scoped-secrets";
import { readRepositoryFile } from "./pull-requests";
import { MAX_REPO_FILE_BYTES } from "./repo-file-limit";

/** readRepoFile against the sandbox over HTTP (GitHub REST "Get repository content"). */
let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "default" });
}, 90_000);
afterAll(async () => {
  await sb?.close();
});

const repo = { owner: "acme", repo: "mcp-servers" };
async function put(path: string, text: string) {
  await sb.clients.github.rest.repos.createOrUpdateFileContents({ ...repo, path, message: `add ${path}`, content: Buffer.from(text).toString("base64") });
}

describe("readRepoFile", () => {
  it("reads a workflow-sized file", async () => {
    await put(".github/workflows/small.yml", "on: push\njobs: {}\n");
    expect(await readRepoFile({ github: sb.clients.github, repo, path: ".github/workflows/small.yml" })).toBe("on: push\njobs: {}\n");
  }, 60_000);

  it("does not hand back a file larger than MAX_REPO_FILE_BYTES (repository content is hostile: a YAML map of many keys parses in time quadratic in their number)", async () => {
    // (Not under .github/workflows: the sandbox would parse it as a workflow.) 600 KB of one-line jobs: the `yaml` package checks each new key against the map's keys (seconds at 256 KB, about a
    // minute at 1 MB, blocking the server that reads it for the Overview, the Fleet page or discovery).
    const text = "on: push\njobs:\n" + Array.from({ length: 20_000 }, (_, i) => `  j${i}: {steps: [{uses: x}]}`).join("\n");
    expect(text.length).toBeGreaterThan(MAX_REPO_FILE_BYTES);
    await put("docs/huge.yml", text);
    await expect(readRepoFile({ github: sb.clients.github, repo, path: "docs/huge.yml" })).rejects.toThrow(/docs\/huge\.yml is larger than 256 KB: Deckhand does not read it/);
    // The reader of the OIDC move and the Deckhand pushes change (a file at a ref, with its sha) refuses it too.
    await expect(readRepositoryFile({ github: sb.clients.github, repo, path: "docs/huge.yml" })).rejects.toMatchObject({ failure: { kind: "bad-data", message: expect.stringMatching(/docs\/huge\.yml is larger than 256 KB/) } });
  }, 60_000);
});
