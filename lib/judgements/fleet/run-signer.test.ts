import { describe, expect, it } from "vitest";
import { CLOUDTRAIL_DELIVERY_MS, findRunSigner, planRunSignerLookup, type SourceLookup } from "./run-signer";
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
const sts = (time: string, userName: string | null, over: Partial<CloudTrailEvent> = {}) => call(time, userName, { eventSource: "sts.amazonaws.com", eventName: "GetCallerIdentity", ...over });
const whole = (events: CloudTrailEvent[]): SourceLookup => ({ events, truncated: false });
/** The two EventSource lookups as the read makes them: each event in its own service's lookup. */
const lookups = (events: CloudTrailEvent[], truncated: { ecr?: boolean; sts?: boolean } = {}) => ({
  "ecr.amazonaws.com": { events: events.filter((e) => e.eventSource === "ecr.amazonaws.com"), truncated: !!truncated.ecr },
  "sts.amazonaws.com": { events: events.filter((e) => e.eventSource === "sts.amazonaws.com"), truncated: !!truncated.sts },
});

describe("findRunSigner", () => {
  it("names the one IAM user whose key signed the run's ECR and STS calls", () => {
    expect(findRunSigner(run, lookups([sts("2026-12-01T10:01:00Z", "web-push"), call("2026-12-01T10:01:05Z", "web-push")]))).toEqual({ state: "signed", userName: "web-push", calls: 2 });
  });

  it("counts calls within a minute of the run's times, and none outside", () => {
    expect(findRunSigner(run, lookups([call("2026-12-01T09:59:30Z", "a")]))).toEqual({ state: "signed", userName: "a", calls: 1 });
    expect(findRunSigner(run, lookups([call("2026-12-01T10:04:30Z", "a")]))).toBeNull();
    expect(findRunSigner(run, lookups([call("2026-12-01T09:58:00Z", "a")]))).toBeNull();
  });

  it("leaves out Deckhand's own calls (its User-Agent), roles, root and other services", () => {
    const events = [
      call("2026-12-01T10:01:00Z", "deckhand-worker", { userAgent: "aws-sdk-js/3.0 deckhand/0.1.0" }),
      sts("2026-12-01T10:01:00Z", "deckhand-worker", { userAgent: "aws-sdk-js/3.0 deckhand/0.1.0" }),
      call("2026-12-01T10:01:00Z", null),
    ];
    expect(findRunSigner(run, lookups(events))).toBeNull();
    // An IAM event slipped into a lookup (not the lookup's service) does not count either.
    const iam = call("2026-12-01T10:01:00Z", "admin", { eventSource: "iam.amazonaws.com", eventName: "ListAccessKeys" });
    expect(findRunSigner(run, { "ecr.amazonaws.com": whole([iam]), "sts.amazonaws.com": whole([]) })).toBeNull();
    // Deckhand's own worker pushing beside the run's user: the run's user is still the one signer.
    expect(findRunSigner(run, lookups([...events, call("2026-12-01T10:02:00Z", "web-push")]))).toEqual({ state: "signed", userName: "web-push", calls: 1 });
  });

  it("says it cannot tell when several users signed in the window (another repository's run, a person)", () => {
    expect(findRunSigner(run, lookups([call("2026-12-01T10:01:00Z", "web-push"), sts("2026-12-01T10:02:00Z", "github-ecr-push")]))).toEqual({
      state: "several",
      userName: null,
      candidates: ["github-ecr-push", "web-push"],
    });
  });

  it("a lookup that hit its cap is 'cannot tell', even when the events it read name one user (the run's own may be unread)", () => {
    // A busy account: the newest 500 ECR events of the window are another user's; the run's own were older and unread.
    const other = Array.from({ length: 500 }, (_, i) => call(new Date(Date.parse("2026-12-01T10:03:59Z") - i * 100).toISOString(), "payments-push"));
    expect(findRunSigner(run, lookups(other, { ecr: true }))).toEqual({ state: "too-many-events", userName: null, eventSource: "ecr.amazonaws.com", read: 500 });
    // The STS lookup capped while ECR's is whole and names one user: still cannot tell.
    expect(findRunSigner(run, lookups([call("2026-12-01T10:01:00Z", "web-push"), sts("2026-12-01T10:01:00Z", "web-push")], { sts: true }))).toMatchObject({
      state: "too-many-events",
      eventSource: "sts.amazonaws.com",
    });
    // The same events, both lookups whole: the one user.
    expect(findRunSigner(run, lookups(other))).toEqual({ state: "signed", userName: "payments-push", calls: 500 });
  });

  it("a run still going (no updatedAt) is judged from its creation; unreadable times have no signer", () => {
    expect(findRunSigner({ createdAt: "2026-12-01T10:00:00Z", updatedAt: null }, lookups([call("2026-12-01T10:00:30Z", "a")]))).toEqual({ state: "signed", userName: "a", calls: 1 });
    expect(findRunSigner({ createdAt: "yesterday", updatedAt: null }, lookups([call("2026-12-01T10:00:30Z", "a")]))).toBeNull();
  });
});

describe("planRunSignerLookup", () => {
  const end = Date.parse("2026-12-01T10:04:00Z"); // updatedAt + 1 minute of slack

  it("does not look while CloudTrail may still be delivering: 'not-yet' until the window's end is 15 minutes old", () => {
    // Right after the run ended: a partial window (another user's event delivered, the run's own not yet) must not be read.
    expect(planRunSignerLookup(run, Date.parse("2026-12-01T10:03:30Z"))).toEqual({ lookup: false, answer: { state: "not-yet", userName: null, readyAt: "2026-12-01T10:19:00.000Z" } });
    expect(planRunSignerLookup(run, end + CLOUDTRAIL_DELIVERY_MS - 1)).toMatchObject({ lookup: false, answer: { state: "not-yet" } });
    expect(planRunSignerLookup(run, end + CLOUDTRAIL_DELIVERY_MS)).toEqual({ lookup: true, startMs: Date.parse("2026-12-01T09:59:00Z"), endMs: end });
    // A clock behind the run's times (skew) is not yet either.
    expect(planRunSignerLookup(run, Date.parse("2026-12-01T09:00:00Z"))).toMatchObject({ lookup: false, answer: { state: "not-yet" } });
  });

  it("never looks at a run longer than two hours or with unreadable times", () => {
    const late = Date.parse("2026-12-02T00:00:00Z");
    expect(planRunSignerLookup({ createdAt: "2026-12-01T10:00:00Z", updatedAt: "2026-12-01T12:00:00Z" }, late)).toEqual({ lookup: false, answer: null });
    expect(planRunSignerLookup({ createdAt: "2026-12-01T10:00:00Z", updatedAt: "2026-12-01T11:57:00Z" }, late)).toMatchObject({ lookup: true });
    expect(planRunSignerLookup({ createdAt: "yesterday", updatedAt: null }, late)).toEqual({ lookup: false, answer: null });
    expect(planRunSignerLookup({ createdAt: "2026-12-01T10:00:00Z", updatedAt: "garbage" }, late)).toEqual({ lookup: false, answer: null });
    // updatedAt before createdAt by more than the slack: no window.
    expect(planRunSignerLookup({ createdAt: "2026-12-01T10:00:00Z", updatedAt: "2026-12-01T09:00:00Z" }, late)).toEqual({ lookup: false, answer: null });
  });
});
