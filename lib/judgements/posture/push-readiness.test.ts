import { describe, expect, it } from "vitest";
import type { CheckResult } from "./doctor-checks";
import { judgePushReadiness } from "./push-readiness";
import { failure } from "../../failures";

const check = (id: string, status: CheckResult["status"], summary = "fine", over: Partial<CheckResult> = {}): CheckResult =>
  ({ id, title: `Title of ${id}`, guideError: "", status, summary, evidence: [], apiCalls: [], failedCalls: [], ...over }) as CheckResult;

describe("judgePushReadiness", () => {
  it("yes only when every check passes", () => {
    const r = judgePushReadiness({ checks: [check("credential-error", "pass"), check("access-denied", "pass")], userMissing: false, userName: "github-ecr-push" });
    expect(r.answer).toBe("yes");
    expect(r.reason).toBe("All 2 checks of the guide's troubleshooting pass.");
  });

  it("a repository GitHub answers 404 for: unknown, saying so, before a failing check or a missing push user", () => {
    const r = judgePushReadiness({ checks: [check("access-denied", "fail")], userMissing: true, userName: "u", repositoryNotFound: "acme/gone" });
    expect(r).toEqual({
      answer: "unknown",
      reason: "GitHub answers 404 for acme/gone: it does not exist, or Deckhand's token cannot see it. Check the name in GITHUB_REPOSITORIES and the token's repository access.",
      href: "/fleet",
      decidedBy: [],
    });
    expect(judgePushReadiness({ checks: [check("access-denied", "pass")], userMissing: false, userName: "u", repositoryNotFound: null }).answer).toBe("yes");
  });

  it("no, with the first failing check as the one reason, even when others are unknown", () => {
    const r = judgePushReadiness({
      checks: [check("credential-error", "unknown"), check("access-denied", "fail", "The policy does not allow ecr:PutImage: pushes fail"), check("invalid-access-key", "fail", "x")],
      userMissing: false,
      userName: "u",
    });
    expect(r.answer).toBe("no");
    expect(r.reason).toBe("Title of access-denied: The policy does not allow ecr:PutImage: pushes fail");
    expect(r.href).toBe("/doctor#access-denied");
    expect(r.decidedBy).toEqual(["access-denied", "invalid-access-key"]);
  });

  it("unknown names the calls that failed, never 'yes' on missing data", () => {
    const r = judgePushReadiness({
      checks: [check("credential-error", "pass"), check("access-denied", "unknown", "Could not read", { failedCalls: [failure("iam", "ListUserPolicies", "throttled")] })],
      userMissing: null,
      userName: "u",
    });
    expect(r.answer).toBe("unknown");
    expect(r.reason).toMatch(/Title of access-denied \(IAM ListUserPolicies failed\)/);
  });

  it("IAM GetUser failing in the key's mode: unknown, naming the call, even when every check passes", () => {
    const r = judgePushReadiness({
      checks: [check("credential-error", "pass"), check("access-denied", "pass")],
      userMissing: null,
      userName: "github-ecr-push",
      userUnreadable: failure("iam", "GetUser", "throttled"),
    });
    expect(r).toMatchObject({ answer: "unknown", reason: "Could not be checked: whether the push user github-ecr-push exists (IAM GetUser failed)", href: "/credentials", decidedBy: [] });
    // With unknown checks too: both named, each call once; a failing check still decides "no".
    const both = judgePushReadiness({
      checks: [check("access-denied", "unknown", "x", { failedCalls: [failure("iam", "ListUserPolicies", "throttled")] })],
      userMissing: null,
      userName: "u",
      userUnreadable: failure("iam", "GetUser", "throttled"),
    });
    expect(both.reason).toBe("Could not be checked: Title of access-denied; whether the push user u exists (IAM ListUserPolicies, IAM GetUser failed)");
    expect(judgePushReadiness({ checks: [check("access-denied", "fail", "no")], userMissing: null, userName: "u", userUnreadable: failure("iam", "GetUser", "throttled") }).answer).toBe("no");
  });

  it("a push user that does not exist is an account to set up, not a failure", () => {
    const r = judgePushReadiness({ checks: [check("credential-error", "fail")], userMissing: true, userName: "github-ecr-push" });
    expect(r.answer).toBe("not-set-up");
    expect(r.href).toBe("/setup");
    expect(r.reason).toMatch(/github-ecr-push does not exist/);
  });

  it("no checks at all is unknown", () => {
    expect(judgePushReadiness({ checks: [], userMissing: false, userName: "u" }).answer).toBe("unknown");
  });

  it("the OIDC mode's checks decide it the same way, named in the yes reason, linked by their own ids", () => {
    const yes = judgePushReadiness({ checks: [check("oidc-provider", "pass"), check("oidc-refusals", "pass")], userMissing: false, userName: "u", checksLabel: "checks of the Doctor's OIDC mode" });
    expect(yes.reason).toBe("All 2 checks of the Doctor's OIDC mode pass.");
    const no = judgePushReadiness({ checks: [check("oidc-provider", "pass"), check("oidc-refusals", "fail", 'STS refused the subject "repo:o/r:pull_request"')], userMissing: false, userName: "u", checksLabel: "x" });
    expect(no).toMatchObject({ answer: "no", href: "/doctor#oidc-refusals", reason: 'Title of oidc-refusals: STS refused the subject "repo:o/r:pull_request"' });
  });
});

