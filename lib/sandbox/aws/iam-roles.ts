import { authorize, requireStr, str, type AwsCall, type OperationHandler } from "./call";
import { ACCOUNT_ID, AwsError } from "./errors";
import { generateAwsId } from "./ids";
import { checkName, NAME_RE, pathOf, policyDocumentOf, POLICY_NAME_RE } from "./iam";
import { paginateIam } from "./iam-pagination";
import { queryList } from "./protocol";
import { findManagedPolicy } from "./iam-store";
import { findRole, oidcProviderArn, roleArn, type IamRole, type OidcProvider } from "./iam-roles-store";
import { parseTrustPolicy } from "./trust-policy";

/**
 * IAM roles and OpenID Connect identity providers over the Query protocol, as the IAM API reference describes them
 * (CreateRole … ListRoles, CreateOpenIDConnectProvider … DeleteOpenIDConnectProvider). Documents come back
 * URL-encoded, as IAM returns them.
 */

const generateRoleId = () => generateAwsId("AROA", 17);

function roleShape(r: IamRole, detail: "create" | "list" | "get") {
  const base = { Path: r.path, RoleName: r.role_name, RoleId: r.role_id, Arn: roleArn(r), CreateDate: new Date(r.create_date), AssumeRolePolicyDocument: encodeURIComponent(r.assume_role_policy) };
  if (detail === "create") return { ...base, Description: r.description ?? undefined };
  const withLimits = { ...base, Description: r.description ?? undefined, MaxSessionDuration: r.max_session_duration };
  if (detail === "list") return withLimits;
  return { ...withLimits, RoleLastUsed: r.last_used_ms === null ? {} : { LastUsedDate: new Date(r.last_used_ms), Region: r.last_used_region ?? undefined } };
}

function roleNotFound(name: string): AwsError {
  return new AwsError("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
}

/** Authorize an action on a role, then load it (IAM authorizes first: a refused caller learns nothing). */
function authorizedRole(call: AwsCall, action: string): IamRole {
  const name = requireStr(call, "RoleName");
  // IAM API reference, RoleName: length 1-64, pattern [\w+=,.@-]+ (checked before anything else).
  if (name.length > 64) throw new AwsError("ValidationError", `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64`, 400);
  if (!/^[\w+=,.@-]+$/.test(name)) throw new AwsError("ValidationError", `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`, 400);
  const existing = findRole(call.ctx.db, name);
  const arn = existing ? roleArn(existing) : `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
  authorize(call, action, arn, `role ${name}`);
  if (!existing) throw roleNotFound(name);
  call.resources.push({ type: "AWS::IAM::Role", name: existing.role_name, arn });
  return existing;
}

function trustDocumentOf(call: AwsCall, member: string): string {
  const doc = requireStr(call, member);
  const parsed = parseTrustPolicy(doc);
  if (!parsed.ok) throw new AwsError("MalformedPolicyDocument", parsed.message, 400);
  return doc;
}

function maxSessionDuration(call: AwsCall): number {
  const raw = str(call, "MaxSessionDuration");
  if (raw === undefined) return 3600;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 3600 || n > 43200)
    throw new AwsError("ValidationError", `1 validation error detected: Value '${raw}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value ${n < 3600 ? "greater than or equal to 3600" : "less than or equal to 43200"}`, 400);
  return n;
}

const roleOperations: Record<string, OperationHandler> = {
  CreateRole(call) {
    const name = requireStr(call, "RoleName");
    checkName(name, NAME_RE, "roleName");
    const path = pathOf(call);
    const arn = `arn:aws:iam::${ACCOUNT_ID}:role${path}${name}`;
    authorize(call, "iam:CreateRole", arn, `role ${name}`);
    const document = trustDocumentOf(call, "AssumeRolePolicyDocument");
    const max = maxSessionDuration(call);
    if (findRole(call.ctx.db, name)) throw new AwsError("EntityAlreadyExists", `Role with name ${name} already exists.`, 409);
    const role: IamRole = { role_name: name, role_id: generateRoleId(), path, assume_role_policy: document, description: str(call, "Description") ?? null, max_session_duration: max, create_date: call.now.getTime(), last_used_ms: null, last_used_region: null };
    call.ctx.db
      .prepare(`INSERT INTO aws_iam_roles (role_name, role_id, path, assume_role_policy, description, max_session_duration, create_date) VALUES (@role_name, @role_id, @path, @assume_role_policy, @description, @max_session_duration, @create_date)`)
      .run(role);
    call.resources.push({ type: "AWS::IAM::Role", name, arn });
    return { Role: roleShape(role, "create") };
  },

  GetRole(call) {
    return { Role: roleShape(authorizedRole(call, "iam:GetRole"), "get") };
  },

  ListRoles(call) {
    const prefix = str(call, "PathPrefix") ?? "/";
    authorize(call, "iam:ListRoles", `arn:aws:iam::${ACCOUNT_ID}:role/`);
    const roles = (call.ctx.db.prepare(`SELECT * FROM aws_iam_roles ORDER BY role_name COLLATE NOCASE`).all() as IamRole[]).filter((r) => r.path.startsWith(prefix));
    const { page, ...more } = paginateIam(roles, call.params);
    return { Roles: page.map((r) => roleShape(r, "list")), ...more };
  },

  UpdateAssumeRolePolicy(call) {
    const role = authorizedRole(call, "iam:UpdateAssumeRolePolicy");
    const document = trustDocumentOf(call, "PolicyDocument");
    call.ctx.db.prepare(`UPDATE aws_iam_roles SET assume_role_policy = ? WHERE role_name = ?`).run(document, role.role_name);
    return undefined;
  },

  DeleteRole(call) {
    const role = authorizedRole(call, "iam:DeleteRole");
    const policies = call.ctx.db.prepare(`SELECT COUNT(*) AS n FROM aws_iam_role_policies WHERE role_name = ?`).get(role.role_name) as { n: number };
    if (policies.n > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
    const attached = call.ctx.db.prepare(`SELECT COUNT(*) AS n FROM aws_iam_role_attached WHERE role_name = ?`).get(role.role_name) as { n: number };
    if (attached.n > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409);
    call.ctx.db.prepare(`DELETE FROM aws_iam_roles WHERE role_name = ?`).run(role.role_name);
    return undefined;
  },

  PutRolePolicy(call) {
    const role = authorizedRole(call, "iam:PutRolePolicy");
    const name = requireStr(call, "PolicyName");
    checkName(name, POLICY_NAME_RE, "policyName");
    const document = policyDocumentOf(call);
    call.ctx.db
      .prepare(`INSERT INTO aws_iam_role_policies (role_name, policy_name, document) VALUES (?, ?, ?) ON CONFLICT(role_name, policy_name) DO UPDATE SET document = excluded.document`)
      .run(role.role_name, name, document);
    return undefined;
  },

  GetRolePolicy(call) {
    const role = authorizedRole(call, "iam:GetRolePolicy");
    const name = requireStr(call, "PolicyName");
    const row = call.ctx.db.prepare(`SELECT policy_name, document FROM aws_iam_role_policies WHERE role_name = ? AND policy_name = ?`).get(role.role_name, name) as { policy_name: string; document: string } | undefined;
    if (!row) throw new AwsError("NoSuchEntity", `The role policy with name ${name} cannot be found.`, 404);
    return { RoleName: role.role_name, PolicyName: row.policy_name, PolicyDocument: encodeURIComponent(row.document) };
  },

  ListRolePolicies(call) {
    const role = authorizedRole(call, "iam:ListRolePolicies");
    const names = (call.ctx.db.prepare(`SELECT policy_name FROM aws_iam_role_policies WHERE role_name = ? ORDER BY policy_name`).all(role.role_name) as { policy_name: string }[]).map((r) => r.policy_name);
    const { page, ...more } = paginateIam(names, call.params);
    return { PolicyNames: page, ...more };
  },

  DeleteRolePolicy(call) {
    const role = authorizedRole(call, "iam:DeleteRolePolicy");
    const name = requireStr(call, "PolicyName");
    const r = call.ctx.db.prepare(`DELETE FROM aws_iam_role_policies WHERE role_name = ? AND policy_name = ?`).run(role.role_name, name);
    if (r.changes === 0) throw new AwsError("NoSuchEntity", `The role policy with name ${name} cannot be found.`, 404);
    return undefined;
  },

  /** Managed policies on a role (IAM API reference: AttachRolePolicy; default quota of 10 managed policies per role). */
  AttachRolePolicy(call) {
    const role = authorizedRole(call, "iam:AttachRolePolicy");
    const arn = policyArnOf(call);
    if (!findManagedPolicy(call.ctx.db, arn)) throw new AwsError("NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`, 404);
    const count = call.ctx.db.prepare(`SELECT COUNT(*) AS n FROM aws_iam_role_attached WHERE role_name = ?`).get(role.role_name) as { n: number };
    const already = call.ctx.db.prepare(`SELECT 1 FROM aws_iam_role_attached WHERE role_name = ? AND policy_arn = ?`).get(role.role_name, arn);
    if (!already && count.n >= 10) throw new AwsError("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10", 409);
    call.ctx.db.prepare(`INSERT OR IGNORE INTO aws_iam_role_attached (role_name, policy_arn) VALUES (?, ?)`).run(role.role_name, arn);
    return undefined;
  },

  DetachRolePolicy(call) {
    const role = authorizedRole(call, "iam:DetachRolePolicy");
    const arn = policyArnOf(call);
    const r = call.ctx.db.prepare(`DELETE FROM aws_iam_role_attached WHERE role_name = ? AND policy_arn = ?`).run(role.role_name, arn);
    if (r.changes === 0) throw new AwsError("NoSuchEntity", `Policy ${arn} was not found.`, 404);
    return undefined;
  },

  ListAttachedRolePolicies(call) {
    const role = authorizedRole(call, "iam:ListAttachedRolePolicies");
    const prefix = str(call, "PathPrefix") ?? "/";
    const rows = call.ctx.db
      .prepare(`SELECT p.policy_name, p.arn, p.path FROM aws_iam_role_attached a JOIN aws_iam_policies p ON p.arn = a.policy_arn WHERE a.role_name = ? ORDER BY p.policy_name`)
      .all(role.role_name) as { policy_name: string; arn: string; path: string }[];
    const { page, ...more } = paginateIam(rows.filter((r) => r.path.startsWith(prefix)), call.params);
    return { AttachedPolicies: page.map((r) => ({ PolicyName: r.policy_name, PolicyArn: r.arn })), ...more };
  },
};

const policyArnRe = /^arn:aws:iam::(\d{12}|aws):policy(\/[\w+=,.@/-]*)?$/;

function policyArnOf(call: AwsCall): string {
  const arn = requireStr(call, "PolicyArn");
  if (!policyArnRe.test(arn)) throw new AwsError("InvalidInput", `ARN ${arn} is not valid.`, 400);
  return arn;
}

const providerArnRe = /^arn:aws:iam::(\d{12}):oidc-provider\/(.+)$/;

function providerByArn(call: AwsCall, action: string): OidcProvider {
  const arn = requireStr(call, "OpenIDConnectProviderArn");
  if (!providerArnRe.test(arn)) throw new AwsError("InvalidInput", `ARN ${arn} is not valid.`, 400);
  authorize(call, action, arn);
  const p = call.ctx.db.prepare(`SELECT * FROM aws_iam_oidc_providers WHERE arn = ?`).get(arn) as OidcProvider | undefined;
  if (!p) throw new AwsError("NoSuchEntity", `OpenIDConnect Provider not found for arn ${arn}`, 404);
  return p;
}

function clientIdOf(call: AwsCall): string {
  const clientId = requireStr(call, "ClientID");
  if (clientId.length > 255)
    throw new AwsError("ValidationError", "1 validation error detected: Value at 'clientID' failed to satisfy constraint: Member must have length less than or equal to 255", 400);
  return clientId;
}

function listOf(call: AwsCall, name: string): string[] {
  return call.protocol === "query" ? queryList(call.params as Record<string, string>, name) : ((call.params[name] as string[] | undefined) ?? []);
}

const oidcOperations: Record<string, OperationHandler> = {
  /**
   * The URL must be https:// without query or fragment (IAM API reference); ThumbprintList is optional today (IAM
   * then fetches the certificate chain itself; the sandbox, which reaches no IdP over TLS, stores none).
   */
  CreateOpenIDConnectProvider(call) {
    const url = requireStr(call, "Url");
    if (url.length > 255 || !/^https:\/\/[^\s/?#:]+(\/[^\s?#]*)?$/.test(url)) throw new AwsError("InvalidInput", `Invalid Open ID Connect Provider URL: ${url}`, 400);
    const host = url.slice("https://".length).replace(/\/$/, "");
    const arn = oidcProviderArn(host);
    authorize(call, "iam:CreateOpenIDConnectProvider", arn);
    const clientIds = listOf(call, "ClientIDList");
    const thumbprints = listOf(call, "ThumbprintList");
    if (clientIds.length > 100 || clientIds.some((c) => c.length < 1 || c.length > 255))
      throw new AwsError("ValidationError", "1 validation error detected: Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]", 400);
    if (thumbprints.length > 5) throw new AwsError("LimitExceeded", "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5", 409);
    if (thumbprints.some((t) => !/^[0-9a-fA-F]{40}$/.test(t)))
      throw new AwsError("ValidationError", "1 validation error detected: Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]", 400);
    if (call.ctx.db.prepare(`SELECT 1 FROM aws_iam_oidc_providers WHERE url = ?`).get(host)) throw new AwsError("EntityAlreadyExists", `Provider with url https://${host} already exists.`, 409);
    call.ctx.db.prepare(`INSERT INTO aws_iam_oidc_providers (arn, url, client_ids, thumbprints, create_date) VALUES (?, ?, ?, ?, ?)`).run(arn, host, JSON.stringify([...new Set(clientIds)]), JSON.stringify(thumbprints.map((t) => t.toLowerCase())), call.now.getTime());
    call.resources.push({ type: "AWS::IAM::OIDCProvider", name: host, arn });
    return { OpenIDConnectProviderArn: arn };
  },

  GetOpenIDConnectProvider(call) {
    const p = providerByArn(call, "iam:GetOpenIDConnectProvider");
    return { Url: p.url, ClientIDList: JSON.parse(p.client_ids) as string[], ThumbprintList: JSON.parse(p.thumbprints) as string[], CreateDate: new Date(p.create_date) };
  },

  ListOpenIDConnectProviders(call) {
    authorize(call, "iam:ListOpenIDConnectProviders", "*", undefined);
    const rows = call.ctx.db.prepare(`SELECT arn FROM aws_iam_oidc_providers ORDER BY arn`).all() as { arn: string }[];
    return { OpenIDConnectProviderList: rows.map((r) => ({ Arn: r.arn })) };
  },

  /** Idempotent: adding a client ID the provider already has is not an error (IAM API reference). */
  AddClientIDToOpenIDConnectProvider(call) {
    const p = providerByArn(call, "iam:AddClientIDToOpenIDConnectProvider");
    const clientId = clientIdOf(call);
    const ids = JSON.parse(p.client_ids) as string[];
    if (ids.includes(clientId)) return undefined;
    if (ids.length >= 100) throw new AwsError("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100", 409);
    call.ctx.db.prepare(`UPDATE aws_iam_oidc_providers SET client_ids = ? WHERE arn = ?`).run(JSON.stringify([...ids, clientId]), p.arn);
    return undefined;
  },

  /** Idempotent as well: removing a client ID the provider does not have succeeds (IAM API reference). */
  RemoveClientIDFromOpenIDConnectProvider(call) {
    const p = providerByArn(call, "iam:RemoveClientIDFromOpenIDConnectProvider");
    const clientId = clientIdOf(call);
    const ids = (JSON.parse(p.client_ids) as string[]).filter((c) => c !== clientId);
    call.ctx.db.prepare(`UPDATE aws_iam_oidc_providers SET client_ids = ? WHERE arn = ?`).run(JSON.stringify(ids), p.arn);
    return undefined;
  },

  DeleteOpenIDConnectProvider(call) {
    const p = providerByArn(call, "iam:DeleteOpenIDConnectProvider");
    call.ctx.db.prepare(`DELETE FROM aws_iam_oidc_providers WHERE arn = ?`).run(p.arn);
    return undefined;
  },
};

export const iamRoleOperations: Record<string, OperationHandler> = { ...roleOperations, ...oidcOperations };
