import { describe, expect, it } from "vitest";
import { findRunSigner } from "./run-signer";
import type { CloudTrailEvent } from "../posture/types";

const run = { createdAt: "2026-12-01T10:00:00Z", updatedAt: "2026-12-01T10:03:00Z" };
const call = (time: string, userName: string | null, over: Partial<CloudTrailEvent> = {}): CloudTrailEvent => ({
  time,
  eventName: "GetAuthorizationToken",
  eventSource: "ecr.amazonaws.com",
  errorCode: null,
  errorMessage: null,
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  sourceIp: "203.0.113.7",
  userAgent: "aws-sdk-nodejs/3.600.0 configure-aws-credentials-for-github-actions",
  region: "us-east-1",
  userName,
  ...over,
});

describe("findRunSigner", () => {
  it("names the one IAM user whose key signed the run's ECR and STS calls", () => {
    const events = [call("2026-12-01T10:01:00Z", "web-push", { eventSource: "sts.amazonaws.com", eventName: "GetCallerIdentity" }), call("2026-12-01T10:01:05Z", "web-push")];
    expect(findRunSigner(run, events)).toEqual({ userName: "web-push", calls: 2 });
  });

  it("counts calls within a minute of the run's times, and none outside", () => {
    expect(findRunSigner(run, [call("2026-12-01T09:59:30Z", "a")])).toEqual({ userName: "a", calls: 1 });
    expect(findRunSigner(run, [call("2026-12-01T10:04:30Z", "a")])).toBeNull();
    expect(findRunSigner(run, [call("2026-12-01T09:58:00Z", "a")])).toBeNull();
  });

  it("leaves out Deckhand's own calls, roles, root and other services", () => {
    const events = [
      call("2026-12-01T10:01:00Z", "deckhand-worker", { userAgent: "aws-sdk-js/3.0 deckhand/0.1.0" }),
      call("2026-12-01T10:01:00Z", null),
      call("2026-12-01T10:01:00Z", "admin", { eventSource: "iam.amazonaws.com", eventName: "ListAccessKeys" }),
    ];
    expect(findRunSigner(run, events)).toBeNull();
  });

  it("says it cannot tell when several users signed in the window (another repository's run, a person)", () => {
    expect(findRunSigner(run, [call("2026-12-01T10:01:00Z", "web-push"), call("2026-12-01T10:02:00Z", "github-ecr-push")])).toEqual({ userName: null, candidates: ["github-ecr-push", "web-push"] });
  });

  it("a run still going (no updatedAt) is judged from its creation; unreadable times have no signer", () => {
    expect(findRunSigner({ createdAt: "2026-12-01T10:00:00Z", updatedAt: null }, [call("2026-12-01T10:00:30Z", "a")])).toEqual({ userName: "a", calls: 1 });
    expect(findRunSigner({ createdAt: "yesterday", updatedAt: null }, [call("2026-12-01T10:00:30Z", "a")])).toBeNull();
  });
});
