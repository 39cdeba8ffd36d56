import { describe, expect, it } from "vitest";
import { filterEvents, groupFailedCalls, summarizeDailyActivity } from "./cloudtrail-summary";
import type { CloudTrailEvent } from "./types";

const ev = (time: string, over: Partial<CloudTrailEvent> = {}): CloudTrailEvent => ({
  time,
  eventName: "PutImage",
  eventSource: "ecr.amazonaws.com",
  errorCode: null,
  errorMessage: null,
  accessKeyId: "AKIAA",
  sourceIp: "20.1.2.3",
  userAgent: "github-actions",
  region: "us-east-1",
  ...over,
});
const NOW = "2026-11-25T00:30:00Z";

describe("summarizeDailyActivity", () => {
  it("zero-fills N UTC days ending today, oldest first", () => {
    const s = summarizeDailyActivity([], { now: NOW, days: 3 });
    expect(s).toEqual([
      { day: "2026-11-23", calls: 0, errors: 0 },
      { day: "2026-11-24", calls: 0, errors: 0 },
      { day: "2026-11-25", calls: 0, errors: 0 },
    ]);
    expect(summarizeDailyActivity([], { now: NOW })).toHaveLength(90);
  });

  it("buckets by UTC day, not local day, and counts errors", () => {
    const s = summarizeDailyActivity(
      [
        ev("2026-11-24T23:59:59Z"),
        ev("2026-11-25T00:00:00Z", { errorCode: "AccessDenied" }),
        ev("2026-11-25T01:30:00+02:00"), // 23:30 UTC on the 24th
        ev("2026-11-20T10:00:00Z"), // outside the 3-day window
        ev("garbage"),
      ],
      { now: NOW, days: 3 },
    );
    expect(s).toEqual([
      { day: "2026-11-23", calls: 0, errors: 0 },
      { day: "2026-11-24", calls: 2, errors: 0 },
      { day: "2026-11-25", calls: 1, errors: 1 },
    ]);
  });
});

describe("groupFailedCalls", () => {
  it("groups by code with counts, span, actions, keys and the guide's explanation", () => {
    const groups = groupFailedCalls([
      ev("2026-11-20T10:00:00Z", { errorCode: "AccessDenied", errorMessage: "old", eventName: "PutImage" }),
      ev("2026-11-22T10:00:00Z", { errorCode: "AccessDenied", errorMessage: "User: arn:aws:iam::1:user/github-ecr-push is not authorized to perform: ecr:PutImage", eventName: "PutImage", accessKeyId: "AKIAB" }),
      ev("2026-11-21T10:00:00Z", { errorCode: "AccessDenied", eventName: "CreateRepository" }),
      ev("2026-11-23T10:00:00Z", { errorCode: "ImageNotFoundException", eventName: "DescribeImages" }),
      ev("2026-11-23T11:00:00Z"),
    ]);
    expect(groups.map((g) => [g.errorCode, g.count])).toEqual([
      ["AccessDenied", 3],
      ["ImageNotFoundException", 1],
    ]);
    const denied = groups[0];
    expect(denied.firstSeen).toBe("2026-11-20T10:00:00.000Z");
    expect(denied.lastSeen).toBe("2026-11-22T10:00:00.000Z");
    expect(denied.eventNames).toEqual(["CreateRepository", "PutImage"]);
    expect(denied.accessKeyIds).toEqual(["AKIAA", "AKIAB"]);
    expect(denied.sampleMessage).toMatch(/not authorized to perform: ecr:PutImage/);
    expect(denied.explanation.guideSection).toBe("Access Denied / Permission Error");
    expect(groups[1].explanation.benign).toBe(true);
  });
});

describe("filterEvents", () => {
  const events = [
    ev("2026-11-20T10:00:00Z", { accessKeyId: "AKIAA" }),
    ev("2026-11-22T10:00:00Z", { accessKeyId: "AKIAB", errorCode: "AccessDenied" }),
    ev("2026-11-21T10:00:00Z", { accessKeyId: "AKIAA", eventName: "GetAuthorizationToken" }),
    ev("bad time"),
  ];

  it("returns newest first and drops unreadable times", () => {
    expect(filterEvents(events, {}).map((e) => e.time)).toEqual(["2026-11-22T10:00:00Z", "2026-11-21T10:00:00Z", "2026-11-20T10:00:00Z"]);
  });

  it("filters by key, event (case-insensitive), errors and time range", () => {
    expect(filterEvents(events, { accessKeyId: "AKIAA" })).toHaveLength(2);
    expect(filterEvents(events, { eventName: "getauthorizationtoken" })).toHaveLength(1);
    expect(filterEvents(events, { errorsOnly: true }).map((e) => e.accessKeyId)).toEqual(["AKIAB"]);
    expect(filterEvents(events, { from: "2026-11-21T10:00:00Z", to: "2026-11-22T10:00:00Z" }).map((e) => e.time)).toEqual(["2026-11-21T10:00:00Z"]);
    expect(filterEvents(events, { accessKeyId: "AKIAA", errorsOnly: true })).toEqual([]);
  });
});
