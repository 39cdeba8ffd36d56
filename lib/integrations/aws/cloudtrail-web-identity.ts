// CloudTrail's records of AssumeRoleWithWebIdentity (LookupEvents, EventName attribute), flattened to what proving
// the OIDC role needs. As CloudTrail records them (CloudTrail User Guide, "AWS STS API calls"): the caller is a
// `WebIdentityUser` whose userName is the token's subject and identityProvider the IAM OIDC provider;
// requestParameters.roleArn; responseElements.credentials.accessKeyId is the session's temporary key (ASIA…),
// which then signs the session's own calls; a refusal has errorCode (AccessDenied, InvalidIdentityToken…).

import { LookupEventsCommand, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { WebIdentityEvent } from "../../judgements/oidc/prove-role";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

/** Every AssumeRoleWithWebIdentity record in the window, newest first (at most `max`, default 1000). */
export async function lookupWebIdentityEvents(opts: { cloudtrail: CloudTrailClient; start: Date; end: Date; max?: number }): Promise<WebIdentityEvent[]> {
  return (await lookupWebIdentityPage(opts)).events;
}

/** lookupWebIdentityEvents, saying whether `max` cut the window short (its oldest records were not read). */
async function lookupWebIdentityPage({ cloudtrail, start, end, max = 1000 }: { cloudtrail: CloudTrailClient; start: Date; end: Date; max?: number }): Promise<{ events: WebIdentityEvent[]; truncated: boolean; calls: number }> {
  const out: WebIdentityEvent[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudtrail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }], StartTime: start, EndTime: end, MaxResults: Math.min(50, max - out.length), NextToken }),
    );
    for (const e of page.Events ?? []) out.push(toWebIdentityEvent(e));
    NextToken = page.NextToken;
  } while (NextToken && out.length < max);
  return { events: out, truncated: Boolean(NextToken), calls: Math.max(1, Math.ceil(out.length / 50)) };
}

const HOUR_MS = 3_600_000;

/**
 * The FIRST successful AssumeRoleWithWebIdentity records of `roleArn` from `start` on (up to `want` of them, oldest
 * first). LookupEvents answers newest first and an account-wide lookup from `start` to `end` stops at `max` records, so
 * in a busy account it never reaches back to `start`. This walks forward instead, in windows of an hour (doubled while
 * they hold nothing of the role): a window the cap cut short is read again up to the oldest record it got, until what
 * is left of it fits. Bounded: at most `maxCalls` LookupEvents calls (CloudTrail allows 2 a second per account and
 * region); past them it returns what it found, which may be nothing (the caller still has the newest records).
 * CloudTrail's StartTime and EndTime are both inclusive: a record on an edge is read twice and counted once. Throws
 * what LookupEvents throws.
 */
export async function lookupFirstRoleSessions({ cloudtrail, roleArn, start, end, want = 5, max = 1000, maxCalls = 12 }: { cloudtrail: CloudTrailClient; roleArn: string; start: Date; end: Date; want?: number; max?: number; maxCalls?: number }): Promise<WebIdentityEvent[]> {
  const found = new Map<string, WebIdentityEvent>();
  // Small reads: a page or two each, so the budget buys many of them.
  const readMax = Math.min(max, 100);
  let from = start.getTime();
  let size = HOUR_MS;
  let calls = 0;
  while (from < end.getTime() && calls < maxCalls) {
    const windowEnd = Math.min(from + size, end.getTime());
    const seen: WebIdentityEvent[] = [];
    let to = windowEnd;
    for (;;) {
      const page = await lookupWebIdentityPage({ cloudtrail, start: new Date(from), end: new Date(to), max: readMax });
      calls += page.calls;
      seen.push(...page.events);
      const oldest = Math.min(...page.events.map((e) => Date.parse(e.time)).filter((t) => !Number.isNaN(t)));
      // Cut short: what is older than the oldest record read is still unread. Read that part next (inclusive: its
      // own second again), unless nothing older can be split off or the budget is spent.
      if (!page.truncated || !(oldest > from) || calls >= maxCalls) break;
      to = oldest;
    }
    const mine = seen.filter((e) => e.roleArn === roleArn && !e.errorCode).sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    for (const e of mine) found.set(`${e.time}|${e.sessionKeyId ?? ""}|${e.subject ?? ""}`, e);
    if (found.size >= want) break;
    from = windowEnd;
    if (mine.length === 0) size *= 2;
  }
  return [...found.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).slice(0, want);
}

function toWebIdentityEvent(e: { EventTime?: Date; Username?: string; CloudTrailEvent?: string }): WebIdentityEvent {
  let d: Record<string, unknown> = {};
  try {
    d = e.CloudTrailEvent ? (JSON.parse(e.CloudTrailEvent) as Record<string, unknown>) : {};
  } catch {
    // A record whose JSON cannot be read still has its lookup attributes.
  }
  const identity = (d.userIdentity ?? {}) as Record<string, unknown>;
  const request = (d.requestParameters ?? {}) as Record<string, unknown>;
  const credentials = (((d.responseElements ?? {}) as Record<string, unknown>).credentials ?? {}) as Record<string, unknown>;
  const subject = str(identity.userName) ?? e.Username ?? null;
  const provider = str(identity.identityProvider);
  // principalId is `PROVIDER_ARN:AUDIENCE:SUBJECT`; the audience may itself hold ":" (https://github.com/o).
  const principalId = str(identity.principalId) ?? "";
  const middle = provider && subject && principalId.startsWith(`${provider}:`) && principalId.endsWith(`:${subject}`) ? principalId.slice(provider.length + 1, principalId.length - subject.length - 1) : null;
  return {
    time: e.EventTime ? e.EventTime.toISOString() : (str(d.eventTime) ?? ""),
    subject,
    audience: middle || null,
    provider,
    roleArn: str(request.roleArn),
    errorCode: str(d.errorCode),
    errorMessage: str(d.errorMessage),
    sessionKeyId: str(credentials.accessKeyId),
    sourceIp: str(d.sourceIPAddress),
    userAgent: str(d.userAgent),
  };
}
