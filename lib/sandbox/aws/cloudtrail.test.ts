import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LookupEventsCommand, type Event } from "@aws-sdk/client-cloudtrail";
import { CreateAccessKeyCommand } from "@aws-sdk/client-iam";
import { startTestSandbox, type Creds, type TestSandbox } from "./test-helpers";
import { outputShapeProblems } from "./shape-check";

const CLI_TIMEOUT_MS = 240_000;
const DAY = 86400_000;
let t: TestSandbox;
let pushKey: Creds;
beforeAll(async () => {
  t = await startTestSandbox();
  pushKey = (await t.seedShared()).pushUserKey!;
});
afterAll(async () => {
  await t.close();
});

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; $metadata: { httpStatusCode: number } };
    return { name: err.name, status: err.$metadata.httpStatusCode };
  }
  throw new Error("expected the call to fail");
};

async function lookupAll(input: ConstructorParameters<typeof LookupEventsCommand>[0]): Promise<Event[]> {
  const ct = t.cloudtrail();
  const out: Event[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ct.send(new LookupEventsCommand({ ...input, NextToken }));
    expect(page.Events!.length).toBeLessThanOrEqual(input?.MaxResults ?? 50);
    out.push(...page.Events!);
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

describe("CloudTrail LookupEvents", () => {
  it("holds 90 days of the push key's history, newest first, with AccessDenied errors", async () => {
    const events = await lookupAll({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: pushKey.accessKeyId }], MaxResults: 50 });
    expect(events.length).toBeGreaterThan(100);
    for (let i = 1; i < events.length; i++) expect(events[i - 1].EventTime!.getTime()).toBeGreaterThanOrEqual(events[i].EventTime!.getTime());
    expect(new Set(events.map((e) => e.EventId)).size).toBe(events.length);
    const newest = events[0].EventTime!.getTime();
    const oldest = events[events.length - 1].EventTime!.getTime();
    expect(Math.round((Date.now() - newest) / DAY)).toBe(2);
    expect((Date.now() - oldest) / DAY).toBeGreaterThan(80);
    expect((Date.now() - oldest) / DAY).toBeLessThanOrEqual(90);
    const names = new Set(events.map((e) => e.EventName));
    for (const n of ["GetAuthorizationToken", "BatchCheckLayerAvailability", "InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage", "DescribeImages", "CreateRepository"]) expect(names).toContain(n);
    const details = events.map((e) => JSON.parse(e.CloudTrailEvent!));
    const denied = details.filter((d) => d.errorCode === "AccessDeniedException");
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0].errorMessage).toMatch(/^User: arn:aws:iam::123456789012:user\/github-ecr-push is not authorized to perform: ecr:/);
    // The newest event is the failed push that made the key "last used 2 days ago".
    expect(details[0]).toMatchObject({ eventName: "CompleteLayerUpload", errorCode: "AccessDeniedException" });
    for (const d of details) {
      expect(d.userIdentity).toMatchObject({ type: "IAMUser", accessKeyId: pushKey.accessKeyId, userName: "github-ecr-push", accountId: "123456789012" });
      expect(d).toMatchObject({ eventSource: "ecr.amazonaws.com", awsRegion: "us-east-1", eventType: "AwsApiCall", recipientAccountId: "123456789012" });
      expect(d.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(typeof d.sourceIPAddress).toBe("string");
      expect(typeof d.userAgent).toBe("string");
    }
    const put = events.find((e) => e.EventName === "PutImage")!;
    expect(put).toMatchObject({ ReadOnly: "false", Username: "github-ecr-push", EventSource: "ecr.amazonaws.com", AccessKeyId: pushKey.accessKeyId });
    expect(put.Resources![0]).toMatchObject({ ResourceType: "AWS::ECR::Repository" });
  });

  it("filters by each lookup attribute and by time range", async () => {
    const byName = await lookupAll({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "PutImage" }] });
    expect(byName.length).toBeGreaterThan(0);
    expect(byName.every((e) => e.EventName === "PutImage")).toBe(true);
    const byUser = await lookupAll({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "github-ecr-push" }], MaxResults: 50 });
    expect(byUser.every((e) => e.Username === "github-ecr-push")).toBe(true);
    const bySource = await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "ecr.amazonaws.com" }], MaxResults: 10 }));
    expect(bySource.Events!.every((e) => e.EventSource === "ecr.amazonaws.com")).toBe(true);
    const byResource = await lookupAll({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "mcp-server-http" }] });
    expect(byResource.length).toBeGreaterThan(0);
    expect(byResource.every((e) => e.Resources!.some((r) => r.ResourceName === "mcp-server-http"))).toBe(true);
    const writes = await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "false" }], MaxResults: 20 }));
    expect(writes.Events!.every((e) => e.ReadOnly === "false")).toBe(true);
    const byId = await lookupAll({ LookupAttributes: [{ AttributeKey: "EventId", AttributeValue: byName[0].EventId! }] });
    expect(byId.map((e) => e.EventId)).toEqual([byName[0].EventId]);
    const byType = await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceType", AttributeValue: "AWS::ECR::Repository" }], MaxResults: 5 }));
    expect(byType.Events!.length).toBeGreaterThan(0);
    const StartTime = new Date(Date.now() - 30 * DAY);
    const EndTime = new Date(Date.now() - 10 * DAY);
    const ranged = await lookupAll({ StartTime, EndTime, LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: pushKey.accessKeyId }] });
    expect(ranged.length).toBeGreaterThan(0);
    expect(ranged.every((e) => e.EventTime! >= new Date(StartTime.getTime() - 1000) && e.EventTime! <= EndTime)).toBe(true);
  });

  it("records live calls (secrets left out) and refuses bad lookups with CloudTrail's errors", async () => {
    await t.iam().send(new CreateAccessKeyCommand({ UserName: "deckhand-worker" }));
    const [latest] = (await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAccessKey" }], MaxResults: 1 }))).Events!;
    const detail = JSON.parse(latest.CloudTrailEvent!);
    expect(detail).toMatchObject({ eventSource: "iam.amazonaws.com", awsRegion: "us-east-1", requestParameters: { userName: "deckhand-worker" }, userIdentity: { type: "Root" } });
    expect(latest.Username).toBe("root");
    expect(latest.CloudTrailEvent).not.toMatch(/secretAccessKey/i);
    expect(detail.responseElements.accessKey.accessKeyId).toMatch(/^AKIA/);

    const ct = t.cloudtrail();
    expect(await errorOf(ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "PutImage" }, { AttributeKey: "Username", AttributeValue: "x" }] })))).toEqual({ name: "InvalidLookupAttributesException", status: 400 });
    expect(await errorOf(ct.send(new LookupEventsCommand({ MaxResults: 51 })))).toEqual({ name: "InvalidMaxResultsException", status: 400 });
    expect(await errorOf(ct.send(new LookupEventsCommand({ StartTime: new Date(), EndTime: new Date(Date.now() - DAY) })))).toEqual({ name: "InvalidTimeRangeException", status: 400 });
    expect(await errorOf(ct.send(new LookupEventsCommand({ NextToken: "garbage" })))).toEqual({ name: "InvalidNextTokenException", status: 400 });
    const page = await ct.send(new LookupEventsCommand({ MaxResults: 1 }));
    expect(await errorOf(ct.send(new LookupEventsCommand({ MaxResults: 1, NextToken: page.NextToken, LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "PutImage" }] })))).toEqual({
      name: "InvalidNextTokenException",
      status: 400,
    });
  });

  it("answers the AWS CLI v2", async () => {
    const [byName, bad] = await Promise.all([
      t.cli(["cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=PutImage", "--max-items", "3"]),
      t.cli(["cloudtrail", "lookup-events", "--max-results", "51", "--no-paginate"]),
    ]);
    expect(outputShapeProblems("cloudtrail", "LookupEvents", byName.json)).toEqual([]);
    expect(byName.json.Events).toHaveLength(3);
    expect(byName.json.Events[0]).toMatchObject({ EventName: "PutImage", EventSource: "ecr.amazonaws.com", ReadOnly: "false", EventTime: expect.any(String), CloudTrailEvent: expect.any(String) });
    expect(byName.json.NextToken).toEqual(expect.any(String));
    expect(bad.stderr).toContain("(InvalidMaxResultsException)");
  }, CLI_TIMEOUT_MS);
});
