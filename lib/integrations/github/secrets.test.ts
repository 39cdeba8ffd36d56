import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { listRepoSecrets } from "./secrets";
import { listRepoVariables } from "./variables";
import { SANDBOX_GITHUB_ADMIN_TOKEN } from "../../sandbox/constants";

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb?.close();
});

describe("Actions secrets and variables against the sandbox", () => {
  it("lists the seeded secrets by name and date, never a value", async () => {
    const secrets = await listRepoSecrets({ github: sb.clients.github, repo: sb.clients.repo });
    expect(secrets.map((s) => s.name).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    for (const s of secrets) {
      expect(Object.keys(s).sort()).toEqual(["createdAt", "name", "scope", "updatedAt"]);
      expect(Number.isNaN(Date.parse(String(s.updatedAt)))).toBe(false);
    }
  });

  it("lists variables with their values", async () => {
    const variables = await listRepoVariables({ github: sb.clients.github, repo: sb.clients.repo });
    expect(variables.find((v) => v.name === "AWS_REGION")?.value).toBe("us-east-1");
  });

  it("follows pagination across more variables than one page holds", async () => {
    const { github, repo } = sb.clients;
    // Plain requests: Octokit's throttling spaces writes a second apart, which this setup does not need.
    for (let i = 0; i < 32; i++) {
      const r = await fetch(`${sb.url}/api/v3/repos/${repo.owner}/${repo.repo}/actions/variables`, {
        method: "POST",
        headers: { authorization: `token ${SANDBOX_GITHUB_ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: `EXTRA_${i}`, value: String(i) }),
      });
      expect(r.status).toBe(201);
    }
    const variables = await listRepoVariables({ github, repo });
    expect(variables.filter((v) => v.name.startsWith("EXTRA_"))).toHaveLength(32);
  });

  it("a GitHub 502 is retried by Octokit's retry plugin", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /repos/{owner}/{repo}/actions/secrets", kind: "502", count: 1 });
    const secrets = await listRepoSecrets({ github: sb.clients.github, repo: sb.clients.repo });
    expect(secrets).toHaveLength(2);
    const left = (await (await sb.admin("GET", "/_sandbox/faults")).json()) as { faults: unknown[] };
    expect(left.faults).toHaveLength(0);
  });
});
