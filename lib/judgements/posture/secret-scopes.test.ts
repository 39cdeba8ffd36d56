import { describe, expect, it } from "vitest";
import { describeCopy, keyOfCopy, resolveScopes, type ScopesInput } from "./secret-scopes";
import { checkGithubConfig } from "./github-config";

const s = (name: string, updatedAt = "2026-01-10T10:00:00Z") => ({ name, createdAt: "2026-01-01T00:00:00Z", updatedAt });
const v = (name: string, value: string) => ({ name, value, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" });
const ok = <T,>(items: T[]) => ({ readable: true as const, items });
const KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

const orgOnly: ScopesInput = {
  repository: { secrets: [], variables: [] },
  organization: {
    secrets: ok(KEYS.map((n) => s(n))),
    variables: ok([v("AWS_REGION", "us-east-1")]),
    secretVisibility: { AWS_ACCESS_KEY_ID: "selected", AWS_SECRET_ACCESS_KEY: "selected" },
    variableVisibility: { AWS_REGION: "all" },
  },
  environment: null,
};

describe("resolveScopes", () => {
  it("takes a name from the organization when the repository has none, and the guide's checks pass over it", () => {
    const r = resolveScopes(orgOnly);
    expect(r.secrets.map((x) => [x.name, describeCopy(x.source, "secret")])).toEqual([
      ["AWS_ACCESS_KEY_ID", "organization secret (selected repositories)"],
      ["AWS_SECRET_ACCESS_KEY", "organization secret (selected repositories)"],
    ]);
    expect(r.findings).toEqual([]);
    const report = checkGithubConfig({ secrets: r.effectiveSecrets, variables: r.effectiveVariables, repositoryRegions: ["us-east-1"], unreadable: r.unreadable });
    expect(report.ok).toBe(true);
    expect(report.findings.filter((f) => f.code === "secret-present")).toHaveLength(2);
    expect(report.region).toBe("us-east-1");
  });

  it("environment over repository over organization; a stale repository copy is a warning with its fix", () => {
    const r = resolveScopes({
      ...orgOnly,
      repository: { secrets: [s("AWS_ACCESS_KEY_ID", "2025-06-01T00:00:00Z")], variables: [] },
      environment: { name: "production", secrets: ok([s("AWS_SECRET_ACCESS_KEY", "2026-01-10T10:02:00Z")]), variables: ok([]) },
    });
    const id = r.secrets.find((x) => x.name === "AWS_ACCESS_KEY_ID")!;
    expect(id.source.scope).toBe("repository");
    expect(id.shadowed.map((c) => describeCopy(c, "secret"))).toEqual(["organization secret (selected repositories)"]);
    const key = r.secrets.find((x) => x.name === "AWS_SECRET_ACCESS_KEY")!;
    expect(describeCopy(key.source, "secret")).toBe("environment secret (production)");
    const stale = r.findings.find((f) => f.name === "AWS_ACCESS_KEY_ID")!;
    expect(stale).toMatchObject({ code: "shadowed-copy", severity: "warn" });
    expect(stale.message).toContain("the repository secret shadows the organization secret (selected repositories)");
    expect(stale.fix).toMatch(/delete the repository secret/);
    // Written two minutes apart: the same rotation wrote both, so it is only noted.
    expect(r.findings.find((f) => f.name === "AWS_SECRET_ACCESS_KEY")).toMatchObject({ severity: "info" });
    expect(r.effectiveSecrets.find((x) => x.name === "AWS_SECRET_ACCESS_KEY")).toMatchObject({ scope: "environment", environment: "production" });
  });

  it("a region variable shadowed with a different value warns; with the same value it is only noted", () => {
    const diff = resolveScopes({ ...orgOnly, repository: { secrets: [], variables: [v("AWS_REGION", "eu-west-1")] } });
    expect(diff.variables[0].source.value).toBe("eu-west-1");
    expect(diff.findings[0]).toMatchObject({ code: "shadowed-copy", severity: "warn" });
    const same = resolveScopes({ ...orgOnly, repository: { secrets: [], variables: [v("AWS_REGION", "us-east-1")] } });
    expect(same.findings[0]).toMatchObject({ severity: "info" });
    expect(same.findings[0].message).toContain("with the same value");
  });

  it("an unreadable organization scope is said, and a missing name becomes 'not verified', not 'missing'", () => {
    const r = resolveScopes({
      repository: { secrets: [], variables: [] },
      organization: { secrets: { readable: false, reason: "403 from GitHub" }, variables: { readable: false, reason: "403 from GitHub" }, secretVisibility: null, variableVisibility: null },
      environment: null,
    });
    expect(r.unreadable.map((u) => `${u.scope} ${u.kind}`)).toEqual(["organization secret", "organization variable"]);
    expect(r.findings.map((f) => f.code)).toEqual(["scope-unreadable", "scope-unreadable"]);
    const report = checkGithubConfig({ secrets: r.effectiveSecrets, variables: r.effectiveVariables, repositoryRegions: null, unreadable: r.unreadable });
    expect(report.findings.map((f) => f.code)).toEqual(["secret-unverified", "secret-unverified", "region-unverified"]);
    expect(report.findings.every((f) => f.severity === "warn")).toBe(true);
  });

  it("organization visibility unknown (the organization's own list is owners only) is said as such", () => {
    const r = resolveScopes({ ...orgOnly, organization: { ...orgOnly.organization!, secretVisibility: null } });
    expect(describeCopy(r.secrets[0].source, "secret")).toBe("organization secret (visibility unknown)");
  });

  it("no organization (a user's repository) and no environment: repository secrets as before", () => {
    const r = resolveScopes({ repository: { secrets: KEYS.map((n) => s(n)), variables: [v("AWS_REGION", "us-east-1")] }, organization: null, environment: null });
    expect(r.effectiveSecrets.map((x) => [x.name, x.scope])).toEqual(KEYS.map((n) => [n, "repository"]));
    expect(r.findings).toEqual([]);
    expect(r.unreadable).toEqual([]);
  });

  it("a secret present only in an unreadable environment's job still counts the readable scopes", () => {
    const r = resolveScopes({ ...orgOnly, environment: { name: "prod", secrets: { readable: false, reason: "403" }, variables: ok([]) } });
    expect(r.secrets[0].source.scope).toBe("organization");
    expect(r.findings.map((f) => f.message)).toEqual([expect.stringContaining("environment secrets (prod) could not be read")]);
  });

  it("says when the workflow's environment is unknown", () => {
    const r = resolveScopes({ ...orgOnly, environmentUnknown: "the workflow file could not be read" });
    expect(r.findings).toEqual([expect.objectContaining({ code: "scope-unreadable", name: "environment" })]);
  });
});

describe("keyOfCopy", () => {
  const writes = [{ scope: "repository" as const, updatedAt: "2026-01-10T10:00:00Z", accessKeyId: "AKIANEW" }];
  it("names the key Deckhand wrote when the copy's updated_at is that write's", () => {
    expect(keyOfCopy({ scope: "repository", createdAt: null, updatedAt: "2026-01-10T10:00:00.400Z" }, writes)).toBe("AKIANEW");
  });
  it("is unknown for a copy written since, at another scope, or in another environment", () => {
    expect(keyOfCopy({ scope: "repository", createdAt: null, updatedAt: "2026-01-11T10:00:00Z" }, writes)).toBeNull();
    expect(keyOfCopy({ scope: "organization", createdAt: null, updatedAt: "2026-01-10T10:00:00Z" }, writes)).toBeNull();
    expect(keyOfCopy({ scope: "environment", environment: "prod", createdAt: null, updatedAt: "2026-01-10T10:00:00Z" }, [{ ...writes[0], scope: "environment", environment: "staging" }])).toBeNull();
    expect(keyOfCopy({ scope: "repository", createdAt: null, updatedAt: null }, writes)).toBeNull();
  });
});
