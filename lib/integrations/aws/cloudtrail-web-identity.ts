// CloudTrail's records of AssumeRoleWithWebIdentity (LookupEvents, EventName attribute), flattened to what proving
// the OIDC role needs. As CloudTrail records them (CloudTrail User Guide, "AWS STS API calls"): the caller is a
// `WebIdentityUser` whose userName is the token's subject and identityProvider the IAM OIDC provider;
// requestParameters.roleArn; responseElements.credentials.accessKeyId is the session's temporary key (ASIA…),
// which then signs the session's own calls; a refusal has errorCode (AccessDenied, InvalidIdentityToken…).

import { LookupEventsCommand, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { WebIdentityEvent } from "../../judgements/oidc/prove-role";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

/** Every AssumeRoleWithWebIdentity record in the window, newest first (at most `max`, default 1000). */
export async function lookupWebIdentityEvents({ cloudtrail, start, end, max = 1000 }: { cloudtrail: CloudTrailClient; start: Date; end: Date; max?: number }): Promise<WebIdentityEvent[]> {
  const out: WebIdentityEvent[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudtrail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }], StartTime: start, EndTime: end, MaxResults: 50, NextToken }),
    );
    for (const e of page.Events ?? []) {
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
      out.push({
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
      });
    }
    NextToken = page.NextToken;
  } while (NextToken && out.length < max);
  return out;
}
