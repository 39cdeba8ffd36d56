import { describe, expect, it } from "vitest";
import { callApi, CallFailure, classifyFailure, describeFailure, toSection } from "./failures";

describe("classifyFailure", () => {
  it.each([
    [{ name: "Throttling", $metadata: { httpStatusCode: 400 } }, "throttled"],
    [{ name: "ThrottlingException" }, "throttled"],
    [{ name: "HttpError", status: 429 }, "throttled"],
    [{ name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } }, "access-denied"],
    [{ name: "HttpError", status: 403 }, "access-denied"],
    [{ name: "InvalidClientTokenId" }, "invalid-credentials"],
    [{ name: "SignatureDoesNotMatch" }, "invalid-credentials"],
    [{ name: "HttpError", status: 401 }, "invalid-credentials"],
    [{ name: "NoSuchEntityException" }, "not-found"],
    [{ name: "HttpError", status: 404 }, "not-found"],
    [{ name: "TypeError", cause: { code: "ECONNREFUSED" } }, "unreachable"],
    [{ name: "HttpError", status: 502 }, "unavailable"],
    [{ name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } }, "unavailable"],
    [{ name: "Weird" }, "failed"],
    [null, "failed"],
  ])("%j is %s", (err, kind) => {
    expect(classifyFailure(err)).toBe(kind);
  });
});

describe("section errors never carry the service's own text", () => {
  it("wraps a failure with the call's name only", async () => {
    const err = Object.assign(new Error("Rate exceeded for AKIAIOSFODNN7EXAMPLE"), { name: "Throttling" });
    const s = await toSection(["IAM ListAccessKeys"], () => callApi("iam", "ListAccessKeys", () => Promise.reject(err)));
    expect(s).toEqual({
      ok: false,
      calls: ["IAM ListAccessKeys"],
      error: { service: "iam", operation: "ListAccessKeys", kind: "throttled", message: "IAM ListAccessKeys was throttled and still failed after retries with backoff" },
    });
  });

  it("keeps the innermost call's name when calls are nested", async () => {
    const inner = () => callApi("cloudtrail", "LookupEvents", () => Promise.reject(Object.assign(new Error("x"), { name: "AccessDeniedException" })));
    await expect(callApi("iam", "ListAccessKeys", inner)).rejects.toMatchObject({ service: "cloudtrail", operation: "LookupEvents", kind: "access-denied" });
  });

  it("hides an unexpected bug behind a generic message", async () => {
    const original = console.error;
    console.error = () => {};
    try {
      const s = await toSection([], () => Promise.reject(new TypeError("cannot read secretAccessKey of undefined")));
      expect(!s.ok && s.error.message).toBe("Deckhand failed to assemble this section (see the server log)");
    } finally {
      console.error = original;
    }
  });

  it("names services readably", () => {
    expect(describeFailure("github", "list repository secrets", "unreachable")).toBe("GitHub list repository secrets could not reach the service");
    expect(new CallFailure("cloudtrail", "LookupEvents", "access-denied").message).toBe("CloudTrail LookupEvents was refused: Deckhand's credentials are not allowed to make it");
  });
});
