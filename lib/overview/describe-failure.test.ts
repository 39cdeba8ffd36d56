import { describe, expect, it } from "vitest";
import { classifyFailure, describeFailure, settle } from "./describe-failure";

describe("describeFailure", () => {
  it("classifies SDK and Octokit errors without echoing their text", () => {
    expect(classifyFailure({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } })).toBe("throttled");
    expect(classifyFailure({ name: "Throttling" })).toBe("throttled");
    expect(classifyFailure({ name: "HttpError", status: 503 })).toBe("unavailable");
    expect(classifyFailure({ name: "HttpError", status: 403, message: "API rate limit exceeded" })).toBe("throttled");
    expect(classifyFailure({ name: "HttpError", status: 403, message: "Resource not accessible" })).toBe("denied");
    expect(classifyFailure({ name: "AccessDeniedException" })).toBe("denied");
    expect(classifyFailure(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }))).toBe("unreachable");
    const f = describeFailure({ name: "HttpError", status: 503, message: "secret arn:aws:iam::123456789012:user/x" }, "GitHub", "list workflow runs");
    expect(f.message).toBe("GitHub list workflow runs: GitHub is unreachable right now (server error).");
    expect(f.message).not.toContain("arn:");
  });

  it("settles a loader into a value or a failure", async () => {
    expect(await settle("AWS", "DescribeRepositories", async () => 3)).toEqual({ ok: true, value: 3 });
    const r = await settle("AWS", "ListAccessKeys", async () => {
      throw Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
    });
    expect(r).toMatchObject({ ok: false, failure: { kind: "throttled", call: "ListAccessKeys" } });
  });
});
