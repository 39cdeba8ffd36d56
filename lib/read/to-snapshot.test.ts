import { describe, expect, it } from "vitest";
import { toGathered, toPostureSnapshot } from "./to-snapshot";
import type { Section } from "../failures";
import type { PostureSections } from "./load-posture";

const ok = <T>(data: T): Section<T> => ({ ok: true, data, calls: [] });
const failed = (service: string, operation: string): Section<never> => ({
  ok: false,
  calls: [],
  error: { service, operation, kind: "throttled", message: `${service} ${operation} was throttled` },
});

describe("toGathered", () => {
  it("carries data through and names a failed call the way lib/judgements/posture's snapshot does", () => {
    expect(toGathered(ok([1, 2]))).toEqual({ ok: true, value: [1, 2] });
    expect(toGathered(failed("iam", "ListAccessKeys"))).toEqual({ ok: false, error: { call: "iam:ListAccessKeys", message: "iam ListAccessKeys was throttled", code: "throttled" } });
    expect(toGathered(failed("github", "list repository secrets"))).toMatchObject({ error: { call: "GitHub list repository secrets" } });
  });
});

describe("toPostureSnapshot", () => {
  it("maps every section, CloudTrail to its events and repositories under the region read", () => {
    const sections: Omit<PostureSections, "identity" | "expected"> = {
      user: ok({ userName: "u", arn: "arn", createDate: "" }),
      keys: ok([]),
      policies: failed("iam", "GetUserPolicy"),
      activity: ok({ events: [{ time: "2026-11-01T00:00:00Z", eventName: "PutImage", eventSource: "ecr.amazonaws.com", errorCode: null, errorMessage: null, accessKeyId: "AKIA", sourceIp: null, userAgent: null, region: null }], accessKeyIds: ["AKIA"], windowDays: 90 }),
      secrets: ok([]),
      variables: ok([]),
      runs: ok([]),
      repositories: ok([{ name: "r" }]),
    };
    const now = new Date("2026-11-25T00:00:00Z");
    const snap = toPostureSnapshot(sections, { now, userName: "u", region: "eu-west-1" });
    expect(snap.now).toBe(now);
    expect(snap.policies).toMatchObject({ ok: false, error: { call: "iam:GetUserPolicy" } });
    expect(snap.cloudTrail.ok && snap.cloudTrail.value.map((e) => e.eventName)).toEqual(["PutImage"]);
    expect(Object.keys(snap.ecrRepositories)).toEqual(["eu-west-1"]);
  });
});
