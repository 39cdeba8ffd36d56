import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { listAccessKeys } from "./iam";
import { lookupEventsByAccessKey, lookupEventsBySource, lookupEventsKeepingPartial, mapLookupEvent } from "./cloudtrail";

let sb: TestSandbox;
let pushKey: string;
let workerKey: string;
beforeAll(async () => {
  sb = await startTestSandbox();
  pushKey = (await listAccessKeys({ iam: sb.clients.aws.iam, userName: "github-ecr-push" }))[0].accessKeyId;
  workerKey = (await listAccessKeys({ iam: sb.clients.aws.iam, userName: "deckhand-worker" }))[0].accessKeyId;
});
afterAll(async () => {
  await sb?.close();
});

describe("lookupEventsByAccessKey against the sandbox", () => {
  it("pages through the whole window, newest first, only the key's events, flattened", async () => {
    const events = await lookupEventsByAccessKey({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: pushKey });
    expect(events.length).toBeGreaterThan(50);
    expect(new Set(events.map((e) => e.accessKeyId))).toEqual(new Set([pushKey]));
    const times = events.map((e) => Date.parse(String(e.time)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    const denied = events.find((e) => e.errorCode === "AccessDeniedException")!;
    expect(denied).toMatchObject({ eventSource: "ecr.amazonaws.com", region: "us-east-1" });
    expect(denied.errorMessage).toMatch(/is not authorized to perform: ecr:/);
    expect(denied.sourceIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(denied.userAgent).toBeTruthy();
  });

  it("respects the time window", async () => {
    const end = new Date();
    const start = new Date(end.getTime() - 10 * 86_400_000);
    const recent = await lookupEventsByAccessKey({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: pushKey, start, end });
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((e) => Date.parse(String(e.time)) >= start.getTime() - 1000)).toBe(true);
  });

  it("finds nothing for a key with no history", async () => {
    expect(await lookupEventsByAccessKey({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: "AKIDEXAMPLE" })).toEqual([]);
    expect(Array.isArray(await lookupEventsByAccessKey({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: workerKey }))).toBe(true);
  });

  it("a denied LookupEvents surfaces as the SDK's AccessDenied error", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind: "access-denied", count: 1 });
    await expect(lookupEventsByAccessKey({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: pushKey })).rejects.toMatchObject({ name: expect.stringMatching(/AccessDenied/) });
  });
});

describe("lookupEventsBySource against the sandbox", () => {
  const end = new Date(Date.now() + 60_000);
  const start = new Date(end.getTime() - 90 * 86_400_000);

  it("reads only the service's events (LookupAttributes EventSource), every page, awaiting beforePage before each request", async () => {
    let pages = 0;
    const r = await lookupEventsBySource({ cloudtrail: sb.clients.aws.cloudtrail, eventSource: "ecr.amazonaws.com", start, end, maxEvents: 100_000, beforePage: async () => void pages++ });
    expect(r.truncated).toBe(false);
    expect(r.events.length).toBeGreaterThan(50);
    expect(new Set(r.events.map((e) => e.eventSource))).toEqual(new Set(["ecr.amazonaws.com"]));
    // The sandbox, like CloudTrail, hands a NextToken only when more events follow: one request per page of 50.
    expect(pages).toBe(Math.ceil(r.events.length / 50));
    await sb.clients.aws.sts.send(new GetCallerIdentityCommand({}));
    const sts = await lookupEventsBySource({ cloudtrail: sb.clients.aws.cloudtrail, eventSource: "sts.amazonaws.com", start, end });
    expect(sts.events.length).toBeGreaterThan(0);
    expect(new Set(sts.events.map((e) => e.eventSource))).toEqual(new Set(["sts.amazonaws.com"]));
  });

  it("says it is truncated when it stops at maxEvents with events still unread, and not when the window ends there", async () => {
    const all = await lookupEventsBySource({ cloudtrail: sb.clients.aws.cloudtrail, eventSource: "ecr.amazonaws.com", start, end, maxEvents: 100_000 });
    const capped = await lookupEventsBySource({ cloudtrail: sb.clients.aws.cloudtrail, eventSource: "ecr.amazonaws.com", start, end, maxEvents: 50 });
    expect(capped).toEqual({ events: all.events.slice(0, 50), truncated: true });
    // A cap that is not a whole page: exactly that many read, then it says so.
    expect(await lookupEventsBySource({ cloudtrail: sb.clients.aws.cloudtrail, eventSource: "ecr.amazonaws.com", start, end, maxEvents: 3 })).toEqual({ events: all.events.slice(0, 3), truncated: true });
    // The cap reached with the last event of the window: nothing was left unread.
    const exact = await lookupEventsBySource({ cloudtrail: sb.clients.aws.cloudtrail, eventSource: "ecr.amazonaws.com", start, end, maxEvents: all.events.length });
    expect(exact).toEqual({ events: all.events, truncated: false });
  });

  it("a failed page throws the SDK's error", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind: "access-denied", count: 1 });
    await expect(lookupEventsBySource({ cloudtrail: sb.clients.aws.cloudtrail, eventSource: "ecr.amazonaws.com", start, end })).rejects.toMatchObject({ name: expect.stringMatching(/AccessDenied/) });
  });
});

describe("mapLookupEvent", () => {
  it("reads the fields from the CloudTrailEvent JSON and tolerates unreadable JSON", () => {
    const e = mapLookupEvent({
      EventId: "e1",
      EventName: "PutImage",
      EventTime: new Date("2026-11-01T00:00:00Z"),
      EventSource: "ecr.amazonaws.com",
      AccessKeyId: "AKIAX",
      CloudTrailEvent: JSON.stringify({
        sourceIPAddress: "20.1.2.3",
        userAgent: "docker/26",
        awsRegion: "eu-west-1",
        errorCode: "ImageAlreadyExistsException",
        errorMessage: "exists",
        requestParameters: { repositoryName: "web", imageTag: "latest" },
        userIdentity: { type: "IAMUser", userName: "github-ecr-push", accessKeyId: "AKIAX" },
      }),
      Username: "github-ecr-push",
    });
    expect(e).toEqual({
      eventId: "e1",
      time: "2026-11-01T00:00:00.000Z",
      eventName: "PutImage",
      eventSource: "ecr.amazonaws.com",
      errorCode: "ImageAlreadyExistsException",
      errorMessage: "exists",
      accessKeyId: "AKIAX",
      sourceIp: "20.1.2.3",
      userAgent: "docker/26",
      region: "eu-west-1",
      repositoryName: "web",
      userName: "github-ecr-push",
    });
    // A role's session: LookupEvents' Username is the session name, not an IAM user.
    const role = mapLookupEvent({ EventName: "PutImage", Username: "GitHubActions", CloudTrailEvent: JSON.stringify({ userIdentity: { type: "AssumedRole", sessionContext: {} } }) });
    expect(role.userName).toBeNull();
    const broken = mapLookupEvent({ EventName: "X", EventTime: new Date("2026-11-01T00:00:00Z"), CloudTrailEvent: "{not json" });
    expect(broken).toMatchObject({ eventName: "X", errorCode: null, sourceIp: null, accessKeyId: null });
  });
});

describe("a LookupEvents page that fails", () => {
  it("keeps the pages read before it and says from when on history is missing", async () => {
    const all = await lookupEventsByAccessKey({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: pushKey });
    // The first page answers; every later call fails with 503 (past the SDK's retries).
    await sb.admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind: "503", count: -1, skip: 1 });
    try {
      const r = await lookupEventsKeepingPartial({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: pushKey });
      expect(r.error).toBeTruthy();
      expect(r.events).toEqual(all.slice(0, 50));
      expect(r.missingBefore).toBe(String(all[49].time));
      await expect(lookupEventsByAccessKey({ cloudtrail: sb.clients.aws.cloudtrail, accessKeyId: pushKey })).rejects.toBeTruthy();
    } finally {
      await sb.admin("DELETE", "/_sandbox/faults");
    }
  });
});
