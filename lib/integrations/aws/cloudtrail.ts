// CloudTrail LookupEvents for the push user's keys (the whole 90-day window paged through) and for one service's
// events over a short window (a workflow run's minutes). LookupEvents takes one lookup attribute per call and
// returns at most 50 events a page, newest first (CloudTrail API Reference, LookupEvents).

import { LookupEventsCommand, type CloudTrailClient, type Event } from "@aws-sdk/client-cloudtrail";
import type { CloudTrailEvent } from "../../judgements/posture/types";

const DAY_MS = 86_400_000;

/** Flatten one LookupEvents record; the CloudTrailEvent field is the full event as a JSON string. */
export function mapLookupEvent(e: Event): CloudTrailEvent {
  let detail: Record<string, unknown> = {};
  try {
    detail = e.CloudTrailEvent ? (JSON.parse(e.CloudTrailEvent) as Record<string, unknown>) : {};
  } catch {
    // A record whose JSON cannot be read still has its lookup attributes.
  }
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  const identity = (detail.userIdentity ?? {}) as Record<string, unknown>;
  return {
    eventId: e.EventId ?? str(detail.eventID) ?? undefined,
    time: e.EventTime ? e.EventTime.toISOString() : (str(detail.eventTime) ?? ""),
    eventName: e.EventName ?? str(detail.eventName) ?? "",
    eventSource: e.EventSource ?? str(detail.eventSource) ?? "",
    errorCode: str(detail.errorCode),
    errorMessage: str(detail.errorMessage),
    accessKeyId: e.AccessKeyId ?? str(identity.accessKeyId),
    sourceIp: str(detail.sourceIPAddress),
    userAgent: str(detail.userAgent),
    region: str(detail.awsRegion),
    repositoryName: str(((detail.requestParameters ?? {}) as Record<string, unknown>).repositoryName) ?? e.Resources?.find((r) => r.ResourceType === "AWS::ECR::Repository")?.ResourceName ?? null,
    // LookupEvents' Username is the session name for a role: only an IAMUser identity names an IAM user.
    userName: identity.type === "IAMUser" ? (str(identity.userName) ?? e.Username ?? null) : null,
  };
}

export interface LookupEventsByKeyInput {
  cloudtrail: CloudTrailClient;
  /** The key whose events are read; omitted: every event in the window (no lookup attribute). */
  accessKeyId?: string;
  /** Window start; default 90 days before `end` (the most LookupEvents keeps). */
  start?: Date;
  end?: Date;
  /** Safety stop for pathological histories (default 20,000). */
  maxEvents?: number;
  /** Another lookup attribute instead of `accessKeyId` (LookupEvents takes one per call). */
  attribute?: { key: LookupAttributeKey; value: string };
  /** Awaited before each LookupEvents request (a pacer). */
  beforePage?: () => Promise<void>;
}

/** Every event signed with one access key in the window, newest first. Throws the first failed page's error. */
export async function lookupEventsByAccessKey(input: LookupEventsByKeyInput & { accessKeyId: string }): Promise<CloudTrailEvent[]> {
  const r = await lookupEventsKeepingPartial(input);
  if (r.error) throw r.error;
  return r.events;
}

/** A lookup attribute as LookupEvents takes it (CloudTrail API Reference, LookupAttribute: one per call). */
export type LookupAttributeKey = "EventId" | "EventName" | "ReadOnly" | "Username" | "ResourceType" | "ResourceName" | "EventSource" | "AccessKeyId";

export interface WindowLookup {
  /** The window's events from one service, newest first: all of them when `truncated` is false. */
  events: CloudTrailEvent[];
  /**
   * The lookup stopped at `maxEvents` with more events still to read (CloudTrail returned a NextToken): `events` is
   * the newest part of the window only.
   */
  truncated: boolean;
}

/**
 * Every event one AWS service recorded in a window (LookupEvents with the lookup attribute EventSource, e.g.
 * "ecr.amazonaws.com"), newest first, at most `maxEvents` (default 500, read 50 a page). Meant for short windows, such as the minutes one workflow run took. `beforePage` is awaited before each
 * request (a pacer: LookupEvents allows 2 requests per second per account and Region). Throws the first failed
 * page's error (the SDK's, after its retries). CloudTrail delivers an event minutes after the call: a window that
 * ended less than ~15 minutes ago may still be missing events.
 */
export async function lookupEventsBySource(input: {
  cloudtrail: CloudTrailClient;
  eventSource: string;
  start: Date;
  end: Date;
  maxEvents?: number;
  beforePage?: () => Promise<void>;
}): Promise<WindowLookup> {
  const r = await lookupEventsKeepingPartial({ ...input, attribute: { key: "EventSource", value: input.eventSource }, maxEvents: input.maxEvents ?? 500 });
  if (r.error) throw r.error;
  return { events: r.events, truncated: r.truncated };
}

export interface PartialLookup {
  /** The events read before a page failed (all of them when none failed), newest first. */
  events: CloudTrailEvent[];
  /** A page failed: the error (the SDK's, after its retries). */
  error: unknown;
  /**
   * When `error` is set: events at or before this time (ISO 8601) were not read; the window's end when even the
   * first page failed. LookupEvents returns newest first, so what was read is the newest part of the window.
   */
  missingBefore: string | null;
  /** No page failed, but reading stopped at `maxEvents` with more events in the window (a NextToken unread). */
  truncated: boolean;
}

/**
 * Like lookupEventsByAccessKey, but a page that fails after the SDK's retries ends the lookup with what was read
 * kept, and says from when on history is missing (CloudTrail API Reference, LookupEvents: results newest first,
 * NextToken paging, 2 requests per second per account).
 */
export async function lookupEventsKeepingPartial(input: LookupEventsByKeyInput): Promise<PartialLookup> {
  const end = input.end ?? new Date();
  const start = input.start ?? new Date(end.getTime() - 90 * DAY_MS);
  const max = input.maxEvents ?? 20_000;
  const out: CloudTrailEvent[] = [];
  // NextToken paging written out: the SDK's paginator checks `instanceof CloudTrailClient`, which fails
  // when the app's bundler gives the client's class another identity.
  let NextToken: string | undefined;
  const attribute = input.attribute ?? (input.accessKeyId === undefined ? undefined : { key: "AccessKeyId", value: input.accessKeyId });
  do {
    let page;
    try {
      await input.beforePage?.();
      page = await input.cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: attribute === undefined ? undefined : [{ AttributeKey: attribute.key, AttributeValue: attribute.value }],
          StartTime: start,
          EndTime: end,
          // Never more than the cap still allows: a capped lookup reads exactly `maxEvents` before it says so.
          MaxResults: Math.min(50, Math.max(1, max - out.length)),
          NextToken,
        }),
      );
    } catch (error) {
      const oldest = out.length ? out[out.length - 1].time : null;
      return { events: out, error, missingBefore: oldest ? String(oldest) : end.toISOString(), truncated: false };
    }
    for (const e of page.Events ?? []) out.push(mapLookupEvent(e));
    NextToken = page.NextToken;
  } while (NextToken && out.length < max);
  return { events: out, error: null, missingBefore: null, truncated: Boolean(NextToken) };
}
