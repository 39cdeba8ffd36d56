import { describe, expect, it } from "vitest";
import { defaultRoleName } from "./github-oidc";

const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

describe("defaultRoleName", () => {
  it("keeps the default repository's role name as moves before several repositories made it", () => {
    expect(defaultRoleName("github-ecr-push")).toBe("github-ecr-push-oidc");
    expect(defaultRoleName("github-ecr-push", null)).toBe("github-ecr-push-oidc");
  });

  it("gives each other repository a role of its own, named after the push user and the repository", () => {
    expect(defaultRoleName("github-ecr-push", "acme/web-gateway")).toBe("github-ecr-push-oidc-acme+web-gateway");
    expect(defaultRoleName("github-ecr-push", "acme/web-gateway")).not.toBe(defaultRoleName("github-ecr-push", "other/web-gateway"));
    // GitHub names may hold "-" but never "+": acme/web-gateway and acme-web/gateway are two roles.
    expect(defaultRoleName("github-ecr-push", "acme-web/gateway")).toBe("github-ecr-push-oidc-acme-web+gateway");
  });

  it("keeps a repository's dots and underscores (IAM allows them) and stays within IAM's pattern", () => {
    const name = defaultRoleName("ecr.push_user", "acme/site.io_v2");
    expect(name).toBe("ecr.push_user-oidc-acme+site.io_v2");
    expect(name).toMatch(IAM_ROLE_NAME);
  });

  it("cuts a long name to 64 characters with a hash of the repository, so two long names never meet", () => {
    const user = "a-push-user-with-a-rather-long-name";
    const a = defaultRoleName(user, "some-organization/a-repository-with-a-very-long-name-one");
    const b = defaultRoleName(user, "some-organization/a-repository-with-a-very-long-name-two");
    expect(a).toHaveLength(64);
    expect(b).toHaveLength(64);
    expect(a).toMatch(IAM_ROLE_NAME);
    expect(a).not.toBe(b);
    expect(a.startsWith(`${user}-oidc-some-organiz`)).toBe(true);
    // The same repository in another case is the same GitHub repository: the same role.
    expect(defaultRoleName(user, "Some-Organization/A-Repository-With-A-Very-Long-Name-One").slice(-8)).toBe(a.slice(-8));
  });

  it("cuts a push user name too long for the suffix (IAM user names go to 64 characters)", () => {
    const user = "u".repeat(64);
    expect(defaultRoleName(user)).toHaveLength(64);
    expect(defaultRoleName(user).endsWith("-oidc")).toBe(true);
    expect(defaultRoleName(user, "acme/web")).toHaveLength(64);
  });
});
