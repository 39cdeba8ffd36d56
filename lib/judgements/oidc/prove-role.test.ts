import { describe, expect, it } from "vitest";
import { proveRole, type ProofInput, type WebIdentityEvent } from "./prove-role";
import type { CloudTrailEvent } from "../posture/types";

const ROLE = "arn:aws:iam::123456789012:role/github-ecr-push-oidc";
const SUB = "repo:acme/mcp-servers:ref:refs/heads/main";
const assume = (time: string, extra: Partial<WebIdentityEvent> = {}): WebIdentityEvent => ({ time, subject: SUB, provider: "p", roleArn: ROLE, errorCode: null, errorMessage: null, sessionKeyId: "ASIAROLE1", sourceIp: "192.0.2.1", userAgent: "configure-aws-credentials", ...extra });
const call = (time: string, eventName: string, accessKeyId: string, extra: Partial<CloudTrailEvent> = {}): CloudTrailEvent => ({ time, eventName, eventSource: "ecr.amazonaws.com", errorCode: null, errorMessage: null, accessKeyId, sourceIp: "198.51.100.7", userAgent: "docker", region: "eu-west-1", ...extra });
const base = (over: Partial<ProofInput> = {}): ProofInput => ({
  roleArn: ROLE,
  subjects: [{ value: SUB, operator: "StringEquals" }],
  mergedAt: "2026-12-01T10:00:00Z",
  now: new Date("2026-12-02T10:00:00Z"),
  graceDays: 7,
  webIdentity: [assume("2026-12-01T10:05:00Z")],
  sessionEvents: [call("2026-12-01T10:06:00Z", "PutImage", "ASIAROLE1")],
  keyEvents: [],
  ...over,
});

describe("proveRole", () => {
  it("waits for the merge", () => {
    expect(proveRole(base({ mergedAt: null })).verdict).toBe("waiting-for-merge");
  });

  it("needs a successful assumption by a pinned subject, and says why one was refused", () => {
    const refused = assume("2026-12-01T10:05:00Z", { errorCode: "AccessDenied", subject: "repo:acme/mcp-servers:pull_request", sessionKeyId: null });
    const r = proveRole(base({ webIdentity: [refused] }));
    expect(r.verdict).toBe("no-role-use-yet");
    expect(r.message).toContain("AccessDenied, subject repo:acme/mcp-servers:pull_request");
    // An assumption before the merge (someone trying by hand) or of another role does not count.
    expect(proveRole(base({ webIdentity: [assume("2026-12-01T09:00:00Z"), assume("2026-12-01T10:05:00Z", { roleArn: "arn:aws:iam::123456789012:role/other" })] })).verdict).toBe("no-role-use-yet");
  });

  it("needs a push signed by that session, not by the key", () => {
    expect(proveRole(base({ sessionEvents: [call("2026-12-01T10:06:00Z", "PutImage", "AKIAKEY")] })).verdict).toBe("no-role-push-yet");
    expect(proveRole(base({ sessionEvents: [call("2026-12-01T10:06:00Z", "PutImage", "ASIAROLE1", { errorCode: "AccessDenied" })] })).verdict).toBe("no-role-push-yet");
  });

  it("reports the key still used after the role worked, with where from", () => {
    const r = proveRole(base({ keyEvents: [call("2026-12-01T12:00:00Z", "GetAuthorizationToken", "AKIAKEY"), call("2026-12-01T09:00:00Z", "PutImage", "AKIAKEY")] }));
    expect(r.verdict).toBe("key-still-used");
    expect(r.keyUses.map((e) => e.eventName)).toEqual(["GetAuthorizationToken"]);
    expect(r.message).toContain("198.51.100.7");
    // The grace period runs from that use: 7 quiet days after it, the key can go.
    expect(r.graceEndsAt).toBe("2026-12-08T12:00:00.000Z");
    expect(proveRole(base({ now: new Date("2026-12-08T12:00:00Z"), keyEvents: [call("2026-12-01T12:00:00Z", "GetAuthorizationToken", "AKIAKEY")] })).verdict).toBe("ready-to-retire");
  });

  it("runs the grace period from the first proof: later runs with the role (every push) do not restart it", () => {
    const busy = base({
      now: new Date("2026-12-08T10:07:00Z"),
      webIdentity: [assume("2026-12-08T10:00:00Z", { sessionKeyId: "ASIAROLE9" }), assume("2026-12-04T10:00:00Z", { sessionKeyId: "ASIAROLE5" }), assume("2026-12-01T10:05:00Z")],
      sessionEvents: [call("2026-12-08T10:01:00Z", "PutImage", "ASIAROLE9"), call("2026-12-04T10:01:00Z", "PutImage", "ASIAROLE5"), call("2026-12-01T10:06:00Z", "PutImage", "ASIAROLE1")],
    });
    const r = proveRole(busy);
    expect(r.verdict).toBe("ready-to-retire");
    expect(r.graceEndsAt).toBe("2026-12-08T10:06:00.000Z");
    // The newest run is what the page shows.
    expect(r.assumed?.time).toBe("2026-12-08T10:00:00Z");
  });

  it("runs the grace period from the proof, then offers retiring", () => {
    const running = proveRole(base());
    expect(running).toMatchObject({ verdict: "grace-running", graceEndsAt: "2026-12-08T10:06:00.000Z" });
    expect(proveRole(base({ now: new Date("2026-12-08T10:06:00Z") })).verdict).toBe("ready-to-retire");
    // A key use between the merge and the proof moves nothing: the grace starts at the proof.
    expect(proveRole(base({ keyEvents: [call("2026-12-01T10:01:00Z", "PutImage", "AKIAKEY")] })).graceEndsAt).toBe("2026-12-08T10:06:00.000Z");
  });

  it("accepts a subject the trust admits by pattern", () => {
    const r = proveRole(base({ subjects: [{ value: "repo:acme/mcp-servers:ref:refs/heads/release/*", operator: "StringLike" }], webIdentity: [assume("2026-12-01T10:05:00Z", { subject: "repo:acme/mcp-servers:ref:refs/heads/release/1" })] }));
    expect(r.verdict).toBe("grace-running");
  });
});
