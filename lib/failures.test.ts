import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SafeError } from "./errors";
import { callApi, callFailed, CallFailure, classifyFailure, describeFailure, failure, failureMessage, toPart } from "./failures";

beforeEach(() => {
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("classifyFailure", () => {
  it.each([
    [{ name: "Throttling", $metadata: { httpStatusCode: 400 } }, "throttled"],
    [{ name: "ThrottlingException" }, "throttled"],
    [{ name: "HttpError", status: 429 }, "throttled"],
    [{ name: "HttpError", status: 403, message: "API rate limit exceeded for installation" }, "throttled"],
    [{ name: "HttpError", status: 403, message: "You have exceeded a secondary rate limit" }, "throttled"],
    [{ name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } }, "denied"],
    [{ name: "AccessDenied", $metadata: { httpStatusCode: 403 } }, "denied"],
    [{ name: "HttpError", status: 403, message: "Resource not accessible by integration" }, "denied"],
    // AWS answers an unknown key with 403: the name decides, not the status.
    [{ name: "InvalidClientTokenId", $metadata: { httpStatusCode: 403 } }, "invalid-credentials"],
    [{ name: "UnrecognizedClientException", $metadata: { httpStatusCode: 400 } }, "invalid-credentials"],
    [{ name: "SignatureDoesNotMatch", $metadata: { httpStatusCode: 403 } }, "invalid-credentials"],
    [{ name: "ExpiredToken" }, "invalid-credentials"],
    [{ name: "HttpError", status: 401 }, "invalid-credentials"],
    [{ name: "NoSuchEntityException" }, "not-found"],
    [{ name: "HttpError", status: 404 }, "not-found"],
    [{ name: "TypeError", message: "fetch failed", cause: { code: "ECONNREFUSED" } }, "unreachable"],
    [{ name: "TimeoutError" }, "unreachable"],
    [{ name: "HttpError", status: 502 }, "unavailable"],
    [{ name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } }, "unavailable"],
    [{ name: "InternalFailure" }, "unavailable"],
    [{ name: "Weird" }, "failed"],
    [null, "failed"],
  ])("%j is %s", (err, kind) => {
    expect(classifyFailure(err)).toBe(kind);
  });
});

describe("one message table", () => {
  it("names the service and the call, never the service's own text", () => {
    expect(failureMessage("iam", "ListAccessKeys", "throttled")).toBe("IAM ListAccessKeys was throttled and still failed after retries with backoff");
    expect(failureMessage("github", "list workflow runs", "unavailable")).toBe("GitHub list workflow runs failed: GitHub is unreachable right now (server errors, still failing after retries)");
    expect(failureMessage("cloudtrail", "LookupEvents", "denied")).toBe("CloudTrail LookupEvents was refused: Deckhand's credentials are not allowed to make it");
    expect(failureMessage("github", "list repository secrets", "unreachable")).toBe("GitHub list repository secrets failed: GitHub is unreachable (no connection)");
    const f = describeFailure({ name: "HttpError", status: 503, message: "secret arn:aws:iam::123456789012:user/x" }, "github", "list workflow runs");
    expect(f).toMatchObject({ service: "github", call: "list workflow runs", kind: "unavailable" });
    expect(f.message).not.toContain("arn:");
  });

  it("gives an unexplained failure an error id, logged with the redacted cause", () => {
    const f = describeFailure(new Error("boom wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "ecr", "BatchGetImage");
    expect(f.kind).toBe("failed");
    expect(f.errorId).toMatch(/^E-[0-9A-F]{8}$/);
    expect(f.message).toBe(`ECR BatchGetImage failed (${f.errorId}; the cause is in the server log)`);
    const logged = vi.mocked(console.error).mock.calls.map((c) => String(c[0])).join("\n");
    expect(logged).toContain(f.errorId!);
    expect(logged).not.toContain("wJalrXUtnFEMI");
  });
});

describe("parts never carry the service's own text", () => {
  it("wraps a failure with the call's name only", async () => {
    const err = Object.assign(new Error("Rate exceeded for AKIAIOSFODNN7EXAMPLE"), { name: "Throttling" });
    const s = await toPart(["IAM ListAccessKeys"], () => callApi("iam", "ListAccessKeys", () => Promise.reject(err)));
    expect(s).toEqual({ ok: false, calls: ["IAM ListAccessKeys"], failure: failure("iam", "ListAccessKeys", "throttled") });
    expect(JSON.stringify(s)).not.toContain("AKIA");
  });

  it("keeps the innermost call's name when calls are nested", async () => {
    const inner = () => callApi("cloudtrail", "LookupEvents", () => Promise.reject(Object.assign(new Error("x"), { name: "AccessDeniedException" })));
    const err = await callApi("iam", "ListAccessKeys", inner).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallFailure);
    expect((err as CallFailure).failure).toMatchObject({ service: "cloudtrail", call: "LookupEvents", kind: "denied" });
  });

  it("hides an unexpected bug behind a generic message with an error id", async () => {
    const s = await toPart([], () => Promise.reject(new TypeError("cannot read secretAccessKey of undefined")));
    expect(!s.ok && s.failure.message).toMatch(/^Deckhand assembling this part failed \(E-[0-9A-F]{8}; the cause is in the server log\)$/);
    expect(JSON.stringify(s)).not.toContain("secretAccessKey");
  });

  it("a verb's failed call is a SafeError with the whitelisted message", () => {
    const e = callFailed({ name: "HttpError", status: 503 }, "github", "dispatch workflow");
    expect(e).toBeInstanceOf(SafeError);
    expect(e).toMatchObject({ code: "github", message: "GitHub dispatch workflow failed: GitHub is unreachable right now (server errors, still failing after retries)" });
    expect(callFailed({ name: "Throttling" }, "iam", "ListAccessKeys").code).toBe("aws");
    const safe = new SafeError("already said", "conflict");
    expect(callFailed(safe, "iam", "x")).toBe(safe);
  });
});
