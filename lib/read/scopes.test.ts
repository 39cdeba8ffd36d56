import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { readGithubConfig } from "./credentials";
import { readEffectiveSecrets, type PostureContext } from "./posture";
import { describeCopy } from "../judgements/posture/secret-scopes";
import { writeRepoSecret } from "../integrations/github/write-secret";
import { readDoctorChecks } from "./doctor";

/**
 * The scopes read against the sandbox's `organization` scenario (GitHub's endpoints, OpenAPI-validated): the key in
 * organization secrets shared with selected repositories, an environment in web-gateway's workflow, a stale copy.
 */

let sb: TestSandbox;
let ctx: PostureContext;
const forRepo = (repo: string): PostureContext => ({ ...ctx, cache: new TtlCache(), clients: { ...sb.clients, repo: { owner: "acme", repo } } });

beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "organization" }, { validateGitHubOpenApi: true });
}, 60_000);
afterAll(async () => {
  await sb?.close();
});
beforeEach(async () => {
  await sb.admin("DELETE", "/_sandbox/faults");
  ctx = { clients: sb.clients, cache: new TtlCache(), userName: "github-ecr-push", policyName: "ecr-push-policy", workflowName: "Build and Push to AWS ECR" };
});

describe("secrets and variables at every scope", () => {
  it("a repository whose key is an organization secret passes the guide's checks and says where it comes from", async () => {
    const config = await readGithubConfig(ctx);
    if (!config.ok) throw new Error(config.failure.message);
    expect(config.data.report.ok).toBe(true);
    expect(config.data.report.findings.filter((f) => f.code === "secret-present").map((f) => f.name)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect(config.data.report.region).toBe("us-east-1");
    const sources = Object.fromEntries(config.data.scopes.secrets.map((r) => [r.name, describeCopy(r.source, "secret")]));
    expect(sources).toEqual({ AWS_ACCESS_KEY_ID: "organization secret (selected repositories)", AWS_SECRET_ACCESS_KEY: "organization secret (selected repositories)" });
    expect(describeCopy(config.data.scopes.variables[0].source, "variable")).toBe("organization variable (all repositories)");
    expect(config.data.scopes.findings).toEqual([]);
    // The Doctor judges the same resolved view: the credential check does not call the key missing.
    const checks = await readDoctorChecks(ctx);
    expect(checks.find((c) => c.id === "credential-error")?.status).not.toBe("fail");
  });

  it("a stale repository copy shadows the organization's: said with its fix", async () => {
    const repo = forRepo("billing-worker");
    const config = await readGithubConfig(repo);
    if (!config.ok) throw new Error(config.failure.message);
    const id = config.data.scopes.secrets.find((r) => r.name === "AWS_ACCESS_KEY_ID")!;
    expect(describeCopy(id.source, "secret")).toBe("repository secret");
    expect(id.shadowed.map((c) => describeCopy(c, "secret"))).toEqual(["organization secret (selected repositories)"]);
    const finding = config.data.scopes.findings.find((f) => f.name === "AWS_ACCESS_KEY_ID");
    expect(finding).toMatchObject({ code: "shadowed-copy", severity: "warn" });
    expect(finding?.message).toContain("the repository secret shadows the organization secret (selected repositories)");
    expect(finding?.fix).toContain("delete the repository secret");
  });

  it("reads the ECR job's environment from the workflow file and takes its secrets first", async () => {
    const config = await readGithubConfig(forRepo("web-gateway"));
    if (!config.ok) throw new Error(config.failure.message);
    expect(config.data.scopes.environment).toBe("production");
    const id = config.data.scopes.secrets.find((r) => r.name === "AWS_ACCESS_KEY_ID")!;
    expect(describeCopy(id.source, "secret")).toBe("environment secret (production)");
    expect(id.shadowed.map((c) => c.scope)).toEqual(["organization"]);
    expect(config.data.secrets.find((s) => s.name === "AWS_ACCESS_KEY_ID")).toMatchObject({ scope: "environment", environment: "production" });
  });

  it("a scope the token may not read is said, and the key is 'not verified' rather than missing", async () => {
    // Neither the organization's own lists (which, when readable, say what reaches the repository) nor the
    // repository's view of them.
    for (const operation of ["GET /orgs/{org}/actions/secrets", "GET /orgs/{org}/actions/variables", "GET /repos/{owner}/{repo}/actions/organization-secrets", "GET /repos/{owner}/{repo}/actions/organization-variables"]) {
      await sb.admin("POST", "/_sandbox/faults", { service: "github", operation, kind: "access-denied", count: 5 });
    }
    const config = await readGithubConfig(ctx);
    if (!config.ok) throw new Error(config.failure.message);
    expect(config.data.scopes.unreadable.map((u) => `${u.scope} ${u.kind}`)).toEqual(["organization secret", "organization variable"]);
    const codes = config.data.report.findings.map((f) => f.code);
    expect(codes).toEqual(["secret-unverified", "secret-unverified", "region-unverified"]);
    expect(config.data.scopes.findings[0].message).toMatch(/organization secrets could not be read/);
  });

  it("a read degraded by a passing fault is kept a few seconds, not the whole TTL; a lasting refusal is kept", async () => {
    let now = Date.parse("2026-12-03T10:00:00Z");
    const clocked: PostureContext = { ...ctx, cache: new TtlCache(() => now) };
    const sourceOfKeyId = async () => {
      const config = await readGithubConfig(clocked);
      if (!config.ok) throw new Error(config.failure.message);
      return describeCopy(config.data.scopes.secrets.find((r) => r.name === "AWS_ACCESS_KEY_ID")!.source, "secret");
    };
    // GitHub 503 on the organization's list (after the client's retries): the reach is unknown for now.
    await sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /orgs/{org}/actions/secrets", kind: "503", count: 20 });
    expect(await sourceOfKeyId()).toBe("organization secret (visibility unknown)");
    await sb.admin("DELETE", "/_sandbox/faults");
    now += 6_000;
    expect(await sourceOfKeyId()).toBe("organization secret (selected repositories)");

    // A 403 (no admin:org) lasts: the answer keeps the whole TTL, so a Fleet of many repositories is not re-read
    // every few seconds for it.
    clocked.cache.invalidate("");
    await sb.admin("POST", "/_sandbox/faults", { service: "github", operation: "GET /orgs/{org}/actions/secrets", kind: "access-denied", count: 20 });
    expect(await sourceOfKeyId()).toBe("organization secret (visibility unknown)");
    await sb.admin("DELETE", "/_sandbox/faults");
    now += 6_000;
    expect(await sourceOfKeyId()).toBe("organization secret (visibility unknown)");
  });

  it("a repository copy written later is the one the run gets (and what the effective list dates)", async () => {
    const { updatedAt } = await writeRepoSecret({ github: sb.clients.github, repo: sb.clients.repo, name: "AWS_ACCESS_KEY_ID", value: "AKIDEXAMPLE" });
    const secrets = await readEffectiveSecrets(ctx);
    if (!secrets.ok) throw new Error(secrets.failure.message);
    expect(secrets.data.find((s) => s.name === "AWS_ACCESS_KEY_ID")).toMatchObject({ scope: "repository", updatedAt });
    expect(secrets.data.find((s) => s.name === "AWS_SECRET_ACCESS_KEY")).toMatchObject({ scope: "organization" });
  });
});
