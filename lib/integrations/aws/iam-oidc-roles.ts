// IAM for the move to GitHub's OIDC role: the account's OIDC identity provider and the push role (its trust policy
// and inline permission policy). IAM API reference: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
// ListOpenIDConnectProviders, AddClientIDToOpenIDConnectProvider, CreateRole, GetRole, PutRolePolicy,
// GetRolePolicy, ListRolePolicies, ListAttachedRolePolicies. IAM returns policy documents URL-encoded; they are
// decoded here so nothing above sees that.

import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";

const isError = (err: unknown, code: string) => new RegExp(`^${code}(Exception)?$`).test((err as { name?: string }).name ?? "");
const decode = (doc: string | undefined) => (doc ? decodeURIComponent(doc) : "");

export interface OidcProviderInfo {
  arn: string;
  /** Without `https://`, as IAM returns it. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
}

/** The provider, or null when IAM says there is none with that ARN (NoSuchEntity). */
export async function getOidcProvider({ iam, arn }: { iam: IAMClient; arn: string }): Promise<OidcProviderInfo | null> {
  try {
    const r = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    return { arn, url: r.Url ?? "", clientIds: r.ClientIDList ?? [], thumbprints: r.ThumbprintList ?? [] };
  } catch (err) {
    if (isError(err, "NoSuchEntity")) return null;
    throw err;
  }
}

/** Every OIDC provider's ARN in the account (ListOpenIDConnectProviders is not paginated). */
export async function listOidcProviderArns({ iam }: { iam: IAMClient }): Promise<string[]> {
  const r = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  return (r.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? "").filter(Boolean);
}

/**
 * CreateOpenIDConnectProvider, idempotent: a provider that already exists (EntityAlreadyExists: a retry, a resume)
 * is reused and given the audience if it lacks it (AddClientIDToOpenIDConnectProvider, itself idempotent). No
 * thumbprint is sent: IAM secures GitHub's issuer with its own trusted CAs (IAM User Guide, "Obtain the thumbprint").
 */
export async function ensureOidcProvider({ iam, url, audience, arn }: { iam: IAMClient; url: string; audience: string; arn: string }): Promise<{ arn: string; created: boolean; audienceAdded: boolean }> {
  try {
    const r = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: [audience] }));
    return { arn: r.OpenIDConnectProviderArn ?? arn, created: true, audienceAdded: false };
  } catch (err) {
    if (!isError(err, "EntityAlreadyExists")) throw err;
  }
  const existing = await getOidcProvider({ iam, arn });
  if (!existing) throw new Error(`IAM says the OIDC provider for ${url} exists but ${arn} cannot be read`);
  if (existing.clientIds.includes(audience)) return { arn, created: false, audienceAdded: false };
  await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: audience }));
  return { arn, created: false, audienceAdded: true };
}

export interface RoleInfo {
  roleName: string;
  arn: string;
  /** The trust policy as JSON text (decoded). */
  trustPolicy: string;
  createDate: string;
  lastUsed: string | null;
}

/** The role, or null when IAM says it does not exist (NoSuchEntity). */
export async function getRole({ iam, roleName }: { iam: IAMClient; roleName: string }): Promise<RoleInfo | null> {
  try {
    const r = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    return {
      roleName: r.Role?.RoleName ?? roleName,
      arn: r.Role?.Arn ?? "",
      trustPolicy: decode(r.Role?.AssumeRolePolicyDocument),
      createDate: r.Role?.CreateDate?.toISOString() ?? "",
      lastUsed: r.Role?.RoleLastUsed?.LastUsedDate?.toISOString() ?? null,
    };
  } catch (err) {
    if (isError(err, "NoSuchEntity")) return null;
    throw err;
  }
}

/**
 * CreateRole, idempotent: a role that already exists is read back unchanged (created: false) so the caller can judge
 * its trust; an existing role's trust is never overwritten here.
 */
export async function createRole({ iam, roleName, trustPolicy, description }: { iam: IAMClient; roleName: string; trustPolicy: string; description: string }): Promise<{ role: RoleInfo; created: boolean }> {
  try {
    const r = await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trustPolicy, Description: description }));
    return { role: { roleName, arn: r.Role?.Arn ?? "", trustPolicy, createDate: r.Role?.CreateDate?.toISOString() ?? "", lastUsed: null }, created: true };
  } catch (err) {
    if (!isError(err, "EntityAlreadyExists")) throw err;
    const role = await getRole({ iam, roleName });
    if (!role) throw err;
    return { role, created: false };
  }
}

/** The role's inline policy as JSON text, or null when it has none of that name. */
export async function getRolePolicy({ iam, roleName, policyName }: { iam: IAMClient; roleName: string; policyName: string }): Promise<string | null> {
  try {
    const r = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    return decode(r.PolicyDocument);
  } catch (err) {
    if (isError(err, "NoSuchEntity")) return null;
    throw err;
  }
}

/** PutRolePolicy: creates or replaces the inline policy (idempotent by nature). */
export async function putRolePolicy({ iam, roleName, policyName, document }: { iam: IAMClient; roleName: string; policyName: string; document: string }): Promise<void> {
  await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }));
}

/** The role's inline policy names and attached managed policies' ARNs (first page of each: a push role has few). */
export async function listRolePolicyNames({ iam, roleName }: { iam: IAMClient; roleName: string }): Promise<{ inline: string[]; attached: string[] }> {
  const [inline, attached] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName: roleName })),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName })),
  ]);
  return { inline: inline.PolicyNames ?? [], attached: (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? "").filter(Boolean) };
}
