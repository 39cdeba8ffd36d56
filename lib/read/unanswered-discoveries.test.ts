// Which owner wildcards keep a retire from knowing every repository that may hold the key (pure).
import { describe, expect, it } from "vitest";
import { unansweredDiscoveries, type DiscoveryAnswer } from "./oidc-proof";

describe("unansweredDiscoveries", () => {
  const d = (over: Partial<DiscoveryAnswer>): DiscoveryAnswer => ({ rule: "acme/*", pushUser: "github-ecr-push", discoveredAt: "2026-12-01T10:00:00Z", failure: null, ...over });
  it("names an owner wildcard of the push user never discovered, or whose last discovery failed; not one that answered", () => {
    expect(unansweredDiscoveries([d({})], "github-ecr-push")).toEqual([]);
    expect(unansweredDiscoveries([d({ discoveredAt: null })], "github-ecr-push")).toEqual(["acme/* (its repositories have not been discovered yet)"]);
    expect(unansweredDiscoveries([d({ discoveredAt: null, failure: "GitHub list organization repositories was throttled" })], "github-ecr-push")).toEqual([
      "acme/* (its repositories have not been discovered yet: GitHub list organization repositories was throttled)",
    ]);
    expect(unansweredDiscoveries([d({ failure: "GitHub is unreachable" })], "github-ecr-push")).toEqual([
      "acme/* (the last discovery of its repositories failed, so a new one may be missing: GitHub is unreachable)",
    ]);
  });
  it("only the push user's wildcards, compared case-insensitively as IAM names are", () => {
    expect(unansweredDiscoveries([d({ discoveredAt: null, pushUser: "ecr-push-data" })], "github-ecr-push")).toEqual([]);
    expect(unansweredDiscoveries([d({ discoveredAt: null, pushUser: "GitHub-ECR-Push" })], "github-ecr-push")).toHaveLength(1);
  });
});

describe("unansweredDiscoveries: repositories a discovery could not read", () => {
  it("names a skipped repository whose reads failed, not one skipped for a reason that was read", () => {
    const d: DiscoveryAnswer = {
      rule: "acme/*",
      pushUser: "github-ecr-push",
      discoveredAt: "2026-12-01T10:00:00Z",
      failure: null,
      skipped: [
        { repository: "acme/docs", reason: "no workflows" },
        { repository: "acme/api", reason: ".github/workflows/ecr.yml takes the key, but its secrets could not be listed: GitHub list secrets failed", unread: true },
      ],
    };
    expect(unansweredDiscoveries([d], "github-ecr-push")).toEqual([
      "acme/api (acme/*'s discovery could not read it: .github/workflows/ecr.yml takes the key, but its secrets could not be listed: GitHub list secrets failed)",
    ]);
  });
});
