// IAM reads and the one write Deckhand makes on the push user's policy. Responses are mapped into
// lib/judgements/posture's plain types here, so nothing above this module sees an SDK shape.

import {
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserPolicyCommand,
  PutUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import type { AccessKeyLastUsed } from "../../judgements/posture/key-verdicts";
import type { PolicySource } from "../../judgements/posture/normalize-policy";

export interface IamUser {
  userName: string;
  arn: string;
  createDate: string;
}

const isNoSuchEntity = (err: unknown) => /^NoSuchEntity(Exception)?$/.test((err as { name?: string }).name ?? "");

/** The user, or null when IAM says it does not exist (NoSuchEntity). */
export async function getUser({ iam, userName }: { iam: IAMClient; userName: string }): Promise<IamUser | null> {
  try {
    const r = await iam.send(new GetUserCommand({ UserName: userName }));
    return { userName: r.User?.UserName ?? userName, arn: r.User?.Arn ?? "", createDate: r.User?.CreateDate?.toISOString() ?? "" };
  } catch (err) {
    if (isNoSuchEntity(err)) return null;
    throw err;
  }
}

export interface AccessKeyMetadata {
  accessKeyId: string;
  status: string;
  createDate: string;
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : "");

/**
 * IAM's Marker/IsTruncated paging. Written out rather than with the SDK's paginators, which check
 * `client instanceof IAMClient` and fail when the app's bundler gives the client's class another identity.
 */
async function pageThrough<T>(fetchPage: (marker: string | undefined) => Promise<{ items: T[]; marker?: string; isTruncated?: boolean }>): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    out.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker);
  return out;
}

/** Every access key of the user (IAM pages with Marker/IsTruncated; the paginator follows it). */
export async function listAccessKeys({ iam, userName }: { iam: IAMClient; userName: string }): Promise<AccessKeyMetadata[]> {
  return pageThrough(async (Marker) => {
    const r = await iam.send(new ListAccessKeysCommand({ UserName: userName, Marker }));
    const items = (r.AccessKeyMetadata ?? []).map((k) => ({ accessKeyId: k.AccessKeyId ?? "", status: k.Status ?? "", createDate: iso(k.CreateDate) }));
    return { items, marker: r.Marker, isTruncated: r.IsTruncated };
  });
}

/** IAM reports "N/A" for the service and region of a key that was never used, and no date. */
export async function getAccessKeyLastUsed({ iam, accessKeyId }: { iam: IAMClient; accessKeyId: string }): Promise<AccessKeyLastUsed> {
  const r = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
  const lu = r.AccessKeyLastUsed;
  const na = (v: string | undefined) => (!v || v === "N/A" ? null : v);
  return { date: lu?.LastUsedDate ? lu.LastUsedDate.toISOString() : null, service: na(lu?.ServiceName), region: na(lu?.Region) };
}

export interface FetchedPolicy {
  source: PolicySource;
  /** As IAM returns it: URL-encoded JSON. lib/judgements/posture/normalize-policy decodes it. */
  document: string;
}

/** Names of the user's inline policies (ListUserPolicies, all pages). */
export async function listUserPolicyNames({ iam, userName }: { iam: IAMClient; userName: string }): Promise<string[]> {
  return pageThrough(async (Marker) => {
    const r = await iam.send(new ListUserPoliciesCommand({ UserName: userName, Marker }));
    return { items: r.PolicyNames ?? [], marker: r.Marker, isTruncated: r.IsTruncated };
  });
}

/** One inline policy as fetched (GetUserPolicy). */
export async function getInlinePolicy({ iam, userName, policyName }: { iam: IAMClient; userName: string; policyName: string }): Promise<FetchedPolicy> {
  const r = await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }));
  return { source: { kind: "inline", policyName }, document: r.PolicyDocument ?? "" };
}

export interface AttachedPolicyRef {
  policyName: string;
  policyArn: string;
}

/** The managed policies attached to the user (ListAttachedUserPolicies, all pages). */
export async function listAttachedPolicyRefs({ iam, userName }: { iam: IAMClient; userName: string }): Promise<AttachedPolicyRef[]> {
  return pageThrough(async (Marker) => {
    const r = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName, Marker }));
    const items = (r.AttachedPolicies ?? []).filter((p) => p.PolicyArn).map((p) => ({ policyName: p.PolicyName ?? p.PolicyArn!, policyArn: p.PolicyArn! }));
    return { items, marker: r.Marker, isTruncated: r.IsTruncated };
  });
}

/** The default version's id of a managed policy (GetPolicy). */
export async function getDefaultVersionId({ iam, policyArn }: { iam: IAMClient; policyArn: string }): Promise<string> {
  const r = await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
  return r.Policy?.DefaultVersionId ?? "v1";
}

/** One version of a managed policy as fetched (GetPolicyVersion). */
export async function getAttachedPolicy({ iam, ref, versionId }: { iam: IAMClient; ref: AttachedPolicyRef; versionId: string }): Promise<FetchedPolicy> {
  const r = await iam.send(new GetPolicyVersionCommand({ PolicyArn: ref.policyArn, VersionId: versionId }));
  return { source: { kind: "attached", policyName: ref.policyName, policyArn: ref.policyArn, versionId }, document: r.PolicyVersion?.Document ?? "" };
}

/** Every identity policy of the user, inline then attached, fetched in parallel. */
export async function listUserPolicies({ iam, userName }: { iam: IAMClient; userName: string }): Promise<FetchedPolicy[]> {
  const [names, refs] = await Promise.all([listUserPolicyNames({ iam, userName }), listAttachedPolicyRefs({ iam, userName })]);
  return Promise.all([
    ...names.map((policyName) => getInlinePolicy({ iam, userName, policyName })),
    ...refs.map(async (ref) => getAttachedPolicy({ iam, ref, versionId: await getDefaultVersionId({ iam, policyArn: ref.policyArn }) })),
  ]);
}

/** One inline policy's document, or null when the user has no policy of that name (NoSuchEntity). */
export async function getUserPolicy({ iam, userName, policyName }: { iam: IAMClient; userName: string; policyName: string }): Promise<string | null> {
  try {
    const r = await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }));
    return r.PolicyDocument ?? null;
  } catch (err) {
    if (isNoSuchEntity(err)) return null;
    throw err;
  }
}

/** Create or replace an inline policy (PutUserPolicy). */
export async function putUserPolicy({ iam, userName, policyName, document }: { iam: IAMClient; userName: string; policyName: string; document: string }): Promise<void> {
  await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: policyName, PolicyDocument: document }));
}
