import { describe, expect, it } from "vitest";
import { GUIDE_PUSH_POLICY } from "./ecr-actions";
import type { PolicyInput } from "./effective-actions";
import { findWildcardResourceGrants, scopeExpectedPolicy } from "./scoped-resources";

const inline = (Statement: unknown[]): PolicyInput => ({
  source: { kind: "inline", policyName: "ecr-push-policy" },
  document: { Version: "2012-10-17", Statement },
});
const target = { region: "us-east-1", accountId: "123456789012", repositoryNames: ["mcp-server-tcp", "web"] };

describe("findWildcardResourceGrants", () => {
  it("rewrites the guide's statement: token on *, the ten repository actions on the repository ARNs", () => {
    const [f, ...rest] = findWildcardResourceGrants([inline([...GUIDE_PUSH_POLICY.Statement])], target);
    expect(rest).toEqual([]);
    expect(f.registryActions).toEqual(["ecr:GetAuthorizationToken"]);
    expect(f.repositoryActions).toHaveLength(10);
    expect(f.replacement).toEqual([
      { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Effect: "Allow",
        Action: GUIDE_PUSH_POLICY.Statement[0].Action.filter((a) => a !== "ecr:GetAuthorizationToken"),
        Resource: [
          "arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp",
          "arn:aws:ecr:us-east-1:123456789012:repository/web",
        ],
      },
    ]);
    expect(f.message).toMatch(/keep ecr:GetAuthorizationToken on "\*" \(no resource-level permissions\)/);
  });

  it("expands wildcards, keeps Sid, Condition and other services' actions", () => {
    const [f] = findWildcardResourceGrants(
      [inline([{ Sid: "Push", Effect: "Allow", Action: ["ecr:*Layer*", "ecr:GetAuthorizationToken", "logs:PutLogEvents"], Resource: ["*"], Condition: { Bool: { "aws:SecureTransport": "true" } } }])],
      { ...target, repositoryNames: ["web", "web"] },
    );
    expect(f.replacement).toHaveLength(3);
    const [registry, repos, other] = f.replacement!;
    expect(registry).toMatchObject({ Sid: "PushRegistry", Action: "ecr:GetAuthorizationToken", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } });
    expect(repos.Sid).toBe("PushRepositories");
    expect(repos.Resource).toBe("arn:aws:ecr:us-east-1:123456789012:repository/web");
    expect(repos.Action).toHaveLength(5);
    expect(other).toMatchObject({ Sid: "PushOther", Action: "logs:PutLogEvents", Resource: "*" });
  });

  it("ignores statements already scoped, Deny statements, and statements with only registry actions", () => {
    const findings = findWildcardResourceGrants(
      [
        inline([
          { Effect: "Allow", Action: "ecr:PutImage", Resource: "arn:aws:ecr:us-east-1:123456789012:repository/web" },
          { Effect: "Deny", Action: "ecr:DeleteRepository", Resource: "*" },
          { Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:DescribeRegistry"], Resource: "*" },
        ]),
      ],
      target,
    );
    expect(findings).toEqual([]);
  });

  it("NotAction on * and unknown repository names give a finding without a rewrite", () => {
    const notAction = findWildcardResourceGrants([inline([{ Effect: "Allow", NotAction: "ecr:Delete*", Resource: "*" }])], target);
    expect(notAction[0].replacement).toBeNull();
    expect(notAction[0].message).toMatch(/NotAction/);
    const noNames = findWildcardResourceGrants([inline([...GUIDE_PUSH_POLICY.Statement])], { ...target, repositoryNames: [] });
    expect(noNames[0].replacement).toBeNull();
    expect(noNames[0].message).toMatch(/no repository names are known/);
  });
});

describe("scopeExpectedPolicy", () => {
  it("is built from the expected policy: a drifted policy's extra actions are not kept and its missing ones are there", () => {
    // The user's drifted statement grants ecr:DeleteRepository and lacks ecr:CompleteLayerUpload.
    const drifted = inline([{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:PutImage", "ecr:DeleteRepository"], Resource: "*" }]);
    expect(findWildcardResourceGrants([drifted], target)).toHaveLength(1);
    const proposal = scopeExpectedPolicy(GUIDE_PUSH_POLICY as unknown as Record<string, unknown>, target)!;
    const actions = proposal.Statement.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions).toContain("ecr:CompleteLayerUpload");
    expect(actions).not.toContain("ecr:DeleteRepository");
    expect(proposal.Statement[0]).toEqual({ Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
    expect(proposal.Statement[1].Resource).toEqual([
      "arn:aws:ecr:us-east-1:123456789012:repository/mcp-server-tcp",
      "arn:aws:ecr:us-east-1:123456789012:repository/web",
    ]);
  });

  it("keeps expected statements that are already scoped, and gives null without repository names", () => {
    const doc = { Version: "2012-10-17", Statement: { Sid: "Scoped", Effect: "Allow", Action: "ecr:PutImage", Resource: "arn:aws:ecr:us-east-1:123456789012:repository/web" } };
    expect(scopeExpectedPolicy(doc, target)?.Statement).toEqual([doc.Statement]);
    expect(scopeExpectedPolicy(doc, { ...target, repositoryNames: [] })).toBeNull();
  });
});
