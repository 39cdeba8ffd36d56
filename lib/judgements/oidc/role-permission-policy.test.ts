import { describe, expect, it } from "vitest";
import { GUIDE_PUSH_POLICY } from "../posture/ecr-actions";
import { rolePermissionPolicy } from "./role-permission-policy";

const expected = JSON.parse(JSON.stringify(GUIDE_PUSH_POLICY)) as Record<string, unknown>;
const target = { region: "us-east-1", accountId: "123456789012" };

describe("rolePermissionPolicy", () => {
  it("narrows the guide's repository actions to the repositories and keeps GetAuthorizationToken on *", () => {
    const r = rolePermissionPolicy(expected, { ...target, repositoryNames: ["mcp-server-tcp", "mcp-server-http", "mcp-server-tcp"] });
    expect(r.scopedTo).toEqual(["mcp-server-http", "mcp-server-tcp"]);
    const statements = r.document.Statement as Array<{ Action: string | string[]; Resource: string | string[] }>;
    const registry = statements.find((s) => [s.Action].flat().includes("ecr:GetAuthorizationToken"))!;
    expect(registry.Resource).toBe("*");
    const repos = statements.find((s) => [s.Action].flat().includes("ecr:PutImage"))!;
    expect([repos.Resource].flat().sort()).toEqual(["arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-http", "arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp"]);
    expect(JSON.stringify(r.document)).not.toContain('"ecr:PutImage"],"Resource":"*"');
    // The input document is not changed.
    expect((expected.Statement as Array<{ Resource: unknown }>)[0].Resource).toBe("*");
  });

  it("leaves the policy as written, saying why, when the repositories or the account are not known, or there are none", () => {
    expect(rolePermissionPolicy(expected, { ...target, repositoryNames: null })).toMatchObject({ document: expected, scopedTo: null, note: expect.stringMatching(/could not be listed/) });
    expect(rolePermissionPolicy(expected, { ...target, accountId: null, repositoryNames: ["a1"] })).toMatchObject({ document: expected, scopedTo: null, note: expect.stringMatching(/account is not known/) });
    // An empty list would grant no repository at all: never narrowed to nothing.
    expect(rolePermissionPolicy(expected, { ...target, repositoryNames: [] })).toMatchObject({ document: expected, scopedTo: null, note: expect.stringMatching(/no ECR repository yet/) });
  });

  it("drops names that are not ECR repository names (hostile input never reaches an ARN)", () => {
    const r = rolePermissionPolicy(expected, { ...target, repositoryNames: ["ok-repo", "*", "a/../b", "UPPER", "x", "", "team/svc"] });
    expect(r.scopedTo).toEqual(["ok-repo", "team/svc"]);
    const onlyBad = rolePermissionPolicy(expected, { ...target, repositoryNames: ["*", "Bad Name"] });
    expect(onlyBad.scopedTo).toBeNull();
  });

  it("keeps an expected policy that already names its repositories as it is", () => {
    const named = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecr:PutImage"], Resource: "arn:aws:ecr:us-east-1:123456789012:repository/app" }] };
    expect(rolePermissionPolicy(named, { ...target, repositoryNames: ["app", "other"] })).toMatchObject({ document: named, scopedTo: null });
  });
});
