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
async function lookupWebIdentityPage({ cloudtrail, start, end, max = 1000 }: { cloudtrail: CloudTrailClient; start: Date; end: Date; max?: number }): Promise<{ events: WebIdentityEvent[]; truncated: boolean }> {
  const out: WebIdentityEvent[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudtrail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }], StartTime: start, EndTime: end, MaxResults: Math.min(50, max - out.length), NextToken }),
    );
    for (const e of page.Events ?? []) out.push(toWebIdentityEvent(e));
    NextToken = page.NextToken;
  } while (NextToken && out.length < max);
  return { events: out, truncated: Boolean(NextToken) };
}

const HOUR_MS = 3_600_000;
/** CloudTrail records event times to the second: a narrower window cannot split them further. */
const SECOND_MS = 1_000;

/**
 * The FIRST successful AssumeRoleWithWebIdentity records of `roleArn` from `start` on (up to `want` of them, oldest
 * first), however many web-identity records the account has. LookupEvents answers newest first and an account-wide
 * lookup from `start` to `end` stops at `max` records, so in a busy account it never reaches back to `start`. This walks
 * forward instead: windows of an hour, doubling while they hold nothing of the role, halved (down to a second) when
 * `max` cut one short, so every window's records are read whole. Stops at `end`. Each window is one lookup walk:
 * about log2(hours from start to end) lookups when the role was never assumed. Throws what LookupEvents throws.
 */
export async function lookupFirstRoleSessions({ cloudtrail, roleArn, start, end, want = 5, max = 1000 }: { cloudtrail: CloudTrailClient; roleArn: string; start: Date; end: Date; want?: number; max?: number }): Promise<WebIdentityEvent[]> {
  const found: WebIdentityEvent[] = [];
  let from = start.getTime();
  let size = HOUR_MS;
  while (from < end.getTime() && found.length < want) {
    const to = Math.min(from + size, end.getTime());
    const { events, truncated } = await lookupWebIdentityPage({ cloudtrail, start: new Date(from), end: new Date(to), max });
    if (truncated && size > SECOND_MS) {
      size = Math.max(SECOND_MS, Math.floor(size / 2));
      continue;
    }
    const mine = events.filter((e) => e.roleArn === roleArn && !e.errorCode).reverse();
    found.push(...mine);
    from = to;
    if (mine.length === 0) size *= 2;
  }
  return found.slice(0, want);
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
