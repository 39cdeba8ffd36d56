import { describe, expect, it } from "vitest";
import { runDoctorChecks } from "./doctor-checks";
import { GUIDE_PUSH_POLICY } from "../judgements/posture/ecr-actions";
import type { Section } from "../failures";

const ok = <T>(data: T): Section<T> => ({ ok: true, data, calls: [] });
const NOW = new Date("2026-11-25T12:00:00Z");
const base = {
  keys: ok([{ accessKeyId: "AKIAIOSFODNN7EXAMPLE", status: "Active", createDate: "2026-10-01T00:00:00Z", lastUsed: null }]),
  policies: ok([{ source: { kind: "inline" as const, policyName: "ecr-push-policy" }, document: JSON.stringify(GUIDE_PUSH_POLICY) }]),
  activity: ok({ events: [], accessKeyIds: [], windowDays: 90 }),
  secrets: ok([]),
  variables: ok([]),
  runs: ok([]),
  repositories: ok([]),
  now: NOW,
  region: "us-east-1",
};

describe("runDoctorChecks over Sections", () => {
  it("treats an unread user as existing, so the policy decides access-denied", () => {
    const checks = runDoctorChecks(base);
    expect(checks.find((c) => c.id === "access-denied")?.status).toBe("pass");
  });

  it("reports a user IAM says does not exist", () => {
    const checks = runDoctorChecks({ ...base, user: ok(null), userName: "github-ecr-push" });
    expect(checks.find((c) => c.id === "access-denied")?.summary).toBe("IAM user github-ecr-push does not exist");
  });
});
