import { describe, expect, it } from "vitest";
import { checkGithubConfig, describeNearMiss, isValidRegionCode, levenshtein } from "./github-config";
import type { GithubSecretInfo, GithubVariableInfo } from "./types";

const T = "2026-11-01T00:00:00Z";
const s = (name: string, scope?: GithubSecretInfo["scope"]): GithubSecretInfo => ({ name, createdAt: T, updatedAt: T, scope });
const v = (name: string, value: string): GithubVariableInfo => ({ name, value });
const good = [s("AWS_ACCESS_KEY_ID"), s("AWS_SECRET_ACCESS_KEY")];
const codes = (r: ReturnType<typeof checkGithubConfig>) => r.findings.map((f) => f.code);

describe("region codes and names", () => {
  it.each([
    ["us-east-1", true],
    ["eu-central-2", true],
    ["ap-southeast-5", true],
    ["us-gov-west-1", true],
    ["us-isob-east-1", true],
    ["US-EAST-1", false],
    [" us-east-1", false],
    ["us-east", false],
    ["useast1", false],
    ["", false],
  ])("isValidRegionCode(%j) = %s", (value, expected) => {
    expect(isValidRegionCode(value)).toBe(expected);
  });

  it("describes near misses", () => {
    expect(describeNearMiss("aws_access_key_id", "AWS_ACCESS_KEY_ID")).toBe("differs only in letter case");
    expect(describeNearMiss("AWS_ACCESS_KEY_ID ", "AWS_ACCESS_KEY_ID")).toBe("has surrounding whitespace");
    expect(describeNearMiss("AWS-ACCESS-KEY-ID", "AWS_ACCESS_KEY_ID")).toBe("differs in separators");
    expect(describeNearMiss("AWS_SECRET_KEY", "AWS_SECRET_ACCESS_KEY")).toBe("is a common alternative name");
    expect(describeNearMiss("AWS_ACESS_KEY_ID", "AWS_ACCESS_KEY_ID")).toBe("is a likely typo");
    expect(describeNearMiss("DOCKERHUB_TOKEN", "AWS_ACCESS_KEY_ID")).toBeNull();
    expect(describeNearMiss("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")).toBeNull();
    expect(levenshtein("kitten", "sitting")).toBe(3);
  });
});

describe("checkGithubConfig", () => {
  it("passes the guide's configuration when the repositories are in AWS_REGION", () => {
    const r = checkGithubConfig({ secrets: good, variables: [v("AWS_REGION", "us-east-1")], repositoryRegions: ["us-east-1"] });
    expect(r.ok).toBe(true);
    expect(r.region).toBe("us-east-1");
    expect(codes(r)).toEqual(["secret-present", "secret-present", "region-ok"]);
  });

  it("names near-miss secrets instead of just saying missing", () => {
    const r = checkGithubConfig({
      secrets: [s("AWS_ACCESS_KEY"), s("AWS_SECRET_KEY")],
      variables: [v("AWS_REGION", "us-east-1")],
      repositoryRegions: null,
    });
    expect(r.ok).toBe(false);
    const [id, secret] = r.findings;
    expect(id.code).toBe("secret-near-miss");
    expect(id.message).toMatch(/"AWS_ACCESS_KEY" \(.*\) exists: rename it to exactly AWS_ACCESS_KEY_ID$/);
    expect(secret.message).toMatch(/"AWS_SECRET_KEY" \(is a common alternative name\) exists: rename it to exactly AWS_SECRET_ACCESS_KEY/);
  });

  it("a name that differs only in letter case is the same name: GitHub ignores case in secret and variable names", () => {
    const r = checkGithubConfig({
      secrets: [s("aws_access_key_id"), s("Aws_Secret_Access_Key")],
      variables: [v("aws_region", "us-east-1")],
      repositoryRegions: null,
    });
    expect(codes(r)).toEqual(["secret-present", "secret-present", "region-ok"]);
    expect(r.findings.map((f) => f.message).join(" ")).not.toMatch(/case-sensitive/);
  });

  it("reports plainly missing secrets", () => {
    const r = checkGithubConfig({ secrets: [s("DOCKERHUB_TOKEN")], variables: [v("AWS_REGION", "us-east-1")], repositoryRegions: [] });
    expect(codes(r).slice(0, 2)).toEqual(["secret-missing", "secret-missing"]);
    expect(codes(r)).toContain("region-no-repositories");
  });

  it("AWS_REGION as a secret instead of a variable fails", () => {
    const r = checkGithubConfig({ secrets: [...good, s("AWS_REGION")], variables: [], repositoryRegions: null });
    expect(codes(r)).toEqual(["secret-present", "secret-present", "region-is-secret"]);
    expect(r.findings[2].severity).toBe("fail");
    expect(r.findings[2].message).toMatch(/set as a Secret, not a Variable/);
    expect(r.region).toBeNull();
  });

  it("AWS_REGION as both is a warning to delete the secret", () => {
    const r = checkGithubConfig({ secrets: [...good, s("AWS_REGION")], variables: [v("AWS_REGION", "eu-west-1")], repositoryRegions: ["eu-west-1"] });
    expect(r.ok).toBe(true);
    expect(r.findings.find((f) => f.code === "region-is-secret")!.severity).toBe("warn");
  });

  it("a missing, misnamed or malformed region variable fails", () => {
    expect(codes(checkGithubConfig({ secrets: good, variables: [], repositoryRegions: null }))).toContain("region-variable-missing");
    const near = checkGithubConfig({ secrets: good, variables: [v("AWS_DEFAULT_REGION", "us-east-1")], repositoryRegions: null });
    expect(near.findings[2].code).toBe("region-near-miss");
    expect(near.findings[2].message).toMatch(/"AWS_DEFAULT_REGION"/);
    const bad = checkGithubConfig({ secrets: good, variables: [v("AWS_REGION", "US-East-1 ")], repositoryRegions: null });
    expect(bad.findings[2].code).toBe("region-invalid");
    expect(bad.findings[2].message).toMatch(/did you mean "us-east-1"/);
  });

  it("a region where the repositories are not is a mismatch naming where they are", () => {
    const r = checkGithubConfig({ secrets: good, variables: [v("AWS_REGION", "us-west-2")], repositoryRegions: ["us-east-1", "eu-west-1"] });
    expect(r.ok).toBe(false);
    const f = r.findings.find((x) => x.code === "region-mismatch")!;
    expect(f.message).toBe("AWS_REGION is us-west-2, but the ECR repositories are in eu-west-1, us-east-1: images go to us-west-2, where nobody looks");
  });

  it("an organization secret is noted", () => {
    const r = checkGithubConfig({ secrets: [s("AWS_ACCESS_KEY_ID", "organization"), s("AWS_SECRET_ACCESS_KEY")], variables: [v("AWS_REGION", "us-east-1")], repositoryRegions: null });
    expect(r.ok).toBe(true);
    expect(codes(r)[0]).toBe("secret-not-repository");
  });
});
