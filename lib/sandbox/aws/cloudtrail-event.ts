import { randomUUID } from "node:crypto";
import { ACCOUNT_ID } from "./errors";
import { isoSeconds } from "./ids";
import type { AwsService, Principal, TrailResource } from "./call";
import type { TrailEventRow } from "./cloudtrail-store";

const READ_PREFIXES = ["Get", "Describe", "List", "BatchGet", "BatchCheck", "Lookup", "AssumeRole"];

/** CloudTrail's readOnly flag: reads are Get/Describe/List/BatchGet/BatchCheck/Lookup calls, and STS's AssumeRole* (as CloudTrail records them). */
export function isReadOnlyOperation(operation: string): boolean {
  return READ_PREFIXES.some((p) => operation.startsWith(p));
}

const SENSITIVE = /secret|password|layerPartBlob/i;

/** CloudTrail never logs secrets or payload blobs; Query parameters appear camelCased as in real events. */
export function cleanParameters(params: Record<string, unknown> | null | undefined, camelCase: boolean): Record<string, unknown> | null {
  if (!params) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (SENSITIVE.test(k) || k === "Action" || k === "Version") continue;
    const key = camelCase ? k.charAt(0).toLowerCase() + k.slice(1) : k;
    out[key] = v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) ? cleanParameters(v as Record<string, unknown>, camelCase) : v instanceof Date ? v.toUTCString() : v;
  }
  return Object.keys(out).length ? out : null;
}

/**
 * Who made an authenticated call, as CloudTrail's userIdentity element records it (CloudTrail user guide, "userIdentity
 * element"): Root, IAMUser, or AssumedRole with the session's issuer and, for web identity sessions, its provider.
 */
export function userIdentityOf(p: Principal): Record<string, unknown> {
  if (p.kind === "root") return { type: "Root", principalId: ACCOUNT_ID, arn: p.arn, accountId: ACCOUNT_ID, accessKeyId: p.accessKeyId };
  if (p.kind === "user") return { type: "IAMUser", principalId: p.userId, arn: p.arn, accountId: ACCOUNT_ID, accessKeyId: p.accessKeyId, userName: p.userName };
  return {
    type: "AssumedRole",
    principalId: `${p.roleId}:${p.sessionName}`,
    arn: p.arn,
    accountId: ACCOUNT_ID,
    accessKeyId: p.accessKeyId,
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: p.roleId, arn: p.roleArn, accountId: ACCOUNT_ID, userName: p.roleName },
      webIdFederationData: p.federatedProvider ? { federatedProvider: p.federatedProvider, attributes: {} } : {},
      attributes: { creationDate: isoSeconds(p.issuedMs), mfaAuthenticated: "false" },
    },
  };
}

/** The Username CloudTrail's LookupEvents matches: root, the IAM user's name, or a role session's name. */
export const trailUsernameOf = (p: Principal) => (p.kind === "root" ? "root" : p.kind === "user" ? p.userName : p.sessionName);

/**
 * A call made without AWS credentials (AssumeRoleWithWebIdentity): CloudTrail names the web identity itself
 * (`WebIdentityUser`, its provider and subject), and LookupEvents' Username is the subject.
 */
export interface UnsignedCaller {
  userIdentity: Record<string, unknown>;
  username: string | null;
}

export interface TrailEventInput {
  principal: Principal | UnsignedCaller;
  service: AwsService;
  operation: string;
  region: string;
  time: Date;
  sourceIp: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  error?: { code: string; message: string };
  resources: TrailResource[];
  requestId?: string;
  additionalEventData?: Record<string, unknown>;
}

export function buildTrailEvent(e: TrailEventInput): TrailEventRow {
  const eventId = randomUUID();
  const readOnly = isReadOnlyOperation(e.operation);
  const p = e.principal;
  const signed = "kind" in p;
  const userIdentity = signed ? userIdentityOf(p) : p.userIdentity;
  const source = `${e.service}.amazonaws.com`;
  const event: Record<string, unknown> = {
    eventVersion: "1.08",
    userIdentity,
    eventTime: isoSeconds(e.time),
    eventSource: source,
    eventName: e.operation,
    awsRegion: e.region,
    sourceIPAddress: e.sourceIp,
    userAgent: e.userAgent,
  };
  if (e.error) {
    event.errorCode = e.error.code;
    event.errorMessage = e.error.message;
  }
  event.requestParameters = e.requestParameters;
  event.responseElements = e.error ? null : e.responseElements;
  if (e.additionalEventData) event.additionalEventData = e.additionalEventData;
  event.requestID = e.requestId ?? randomUUID();
  event.eventID = eventId;
  event.readOnly = readOnly;
  if (e.resources.length) event.resources = e.resources.filter((r) => r.arn).map((r) => ({ accountId: ACCOUNT_ID, type: r.type, ARN: r.arn }));
  event.eventType = "AwsApiCall";
  event.managementEvent = true;
  event.recipientAccountId = ACCOUNT_ID;
  event.eventCategory = "Management";
  const first = e.resources[0];
  return {
    event_id: eventId,
    time_ms: e.time.getTime(),
    region: e.region,
    event_name: e.operation,
    event_source: source,
    access_key_id: signed ? p.accessKeyId : null,
    username: signed ? trailUsernameOf(p) : p.username,
    read_only: readOnly ? "true" : "false",
    resource_type: first?.type ?? null,
    resource_name: first?.name ?? null,
    event_json: JSON.stringify(event),
  };
}
