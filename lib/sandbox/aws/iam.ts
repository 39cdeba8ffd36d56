import { getMeta } from "../store";
import { authorize, requireStr, str, type AwsCall, type OperationHandler } from "./call";
import { ACCOUNT_ID, AwsError } from "./errors";
import { generateAccessKeyId, generatePolicyId, generateSecretAccessKey, generateUserId } from "./ids";
import { parsePolicyDocument } from "./policy";
import { paginateIam } from "./iam-pagination";
import { buildCredentialReport } from "./iam-credential-report";
import {
  findKey, findManagedPolicy, findUser, insertKey, insertManagedPolicy, insertUser, listUserKeys, putUserPolicy, userArn,
  type IamKey, type IamManagedPolicy, type IamUser,
} from "./iam-store";

export const NAME_RE = /^[\w+=,.@-]{1,64}$/;
export const POLICY_NAME_RE = /^[\w+=,.@-]{1,128}$/;
const REPORT_TTL_MS = 4 * 60 * 60 * 1000;

const userShape = (u: IamUser) => ({ Path: u.path, UserName: u.user_name, UserId: u.user_id, Arn: userArn(u), CreateDate: new Date(u.create_date) });
const keyShape = (k: IamKey) => ({ UserName: k.user_name, AccessKeyId: k.access_key_id, Status: k.status, CreateDate: new Date(k.create_date) });

function userNotFound(name: string): AwsError {
  return new AwsError("NoSuchEntity", `The user with name ${name} cannot be found.`, 404);
}

/** The user a call is about: UserName if given, else the caller (IAM's rule for key and GetUser operations). */
function targetUserName(call: AwsCall): string {
  const given = str(call, "UserName");
  if (given) return given;
  if (call.principal.kind === "user") return call.principal.userName;
  throw new AwsError("ValidationError", "Must specify userName when calling with non-User credentials");
}

/** Authorize an action on a user and load it (authorization first, as IAM does: no existence leak). */
function authorizedUser(call: AwsCall, action: string, userName: string): IamUser {
  const existing = findUser(call.ctx.db, userName);
  const arn = existing ? userArn(existing) : `arn:aws:iam::${ACCOUNT_ID}:user/${userName}`;
  authorize(call, action, arn, `user ${userName}`);
  if (!existing) throw userNotFound(userName);
  call.resources.push({ type: "AWS::IAM::User", name: existing.user_name, arn });
  return existing;
}

export function checkName(value: string, re: RegExp, member: string): void {
  if (!re.test(value)) throw new AwsError("ValidationError", `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
}

/** The Path parameter of CreateUser / CreateRole (default `/`), checked as IAM does. */
export function pathOf(call: AwsCall): string {
  const path = str(call, "Path") ?? "/";
  if (!/^\/([\x21-\x7e]*\/)?$/.test(path)) throw new AwsError("ValidationError", `1 validation error detected: Value '${path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`);
  return path;
}

export function policyDocumentOf(call: AwsCall): string {
  const doc = requireStr(call, "PolicyDocument");
  const parsed = parsePolicyDocument(doc);
  if (!parsed.ok) throw new AwsError("MalformedPolicyDocument", parsed.message, 400);
  return doc;
}

function findKeyOf(call: AwsCall, userName: string, accessKeyId: string): IamKey {
  const key = findKey(call.ctx.db, accessKeyId);
  if (!key || key.user_name.toLowerCase() !== userName.toLowerCase()) throw new AwsError("NoSuchEntity", `The Access Key with id ${accessKeyId} cannot be found.`, 404);
  return key;
}

const policyArnRe = /^arn:aws:iam::(\d{12}|aws):policy(\/[\w+=,.@/-]*)?$/;

function managedPolicyShape(call: AwsCall, p: IamManagedPolicy) {
  const attachments = call.ctx.db
    .prepare(`SELECT (SELECT COUNT(*) FROM aws_iam_user_attached WHERE policy_arn = ?) + (SELECT COUNT(*) FROM aws_iam_role_attached WHERE policy_arn = ?) AS n`)
    .get(p.arn, p.arn) as { n: number };
  return {
    PolicyName: p.policy_name,
    PolicyId: p.policy_id,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.default_version_id,
    AttachmentCount: attachments.n,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: p.description ?? undefined,
    CreateDate: new Date(p.create_date),
    UpdateDate: new Date(p.update_date),
  };
}

function requirePolicy(call: AwsCall, action: string): IamManagedPolicy {
  const arn = requireStr(call, "PolicyArn");
  if (!policyArnRe.test(arn)) throw new AwsError("InvalidInput", `ARN ${arn} is not valid.`, 400);
  authorize(call, action, arn);
  const p = findManagedPolicy(call.ctx.db, arn);
  if (!p) throw new AwsError("NoSuchEntity", `Policy ${arn} was not found.`, 404);
  return p;
}

export const iamOperations: Record<string, OperationHandler> = {
  GetUser(call) {
    const given = str(call, "UserName");
    if (!given && call.principal.kind === "root") {
      authorize(call, "iam:GetUser", call.principal.arn);
      const created = Number(getMeta(call.ctx.db, "aws_account_created") ?? Date.now());
      return { User: { UserId: ACCOUNT_ID, Arn: call.principal.arn, CreateDate: new Date(created) } };
    }
    return { User: userShape(authorizedUser(call, "iam:GetUser", targetUserName(call))) };
  },

  CreateUser(call) {
    const name = requireStr(call, "UserName");
    checkName(name, NAME_RE, "userName");
    const path = pathOf(call);
    const arn = `arn:aws:iam::${ACCOUNT_ID}:user${path}${name}`;
    authorize(call, "iam:CreateUser", arn, `user ${name}`);
    if (findUser(call.ctx.db, name)) throw new AwsError("EntityAlreadyExists", `User with name ${name} already exists.`, 409);
    const user: IamUser = { user_name: name, user_id: generateUserId(), path, create_date: call.now.getTime() };
    insertUser(call.ctx.db, user);
    call.resources.push({ type: "AWS::IAM::User", name, arn });
    return { User: userShape(user) };
  },

  ListUsers(call) {
    const prefix = str(call, "PathPrefix") ?? "/";
    authorize(call, "iam:ListUsers", `arn:aws:iam::${ACCOUNT_ID}:user/`);
    const users = (call.ctx.db.prepare(`SELECT * FROM aws_iam_users ORDER BY user_name COLLATE NOCASE`).all() as IamUser[]).filter((u) => u.path.startsWith(prefix));
    const { page, ...more } = paginateIam(users, call.params);
    return { Users: page.map(userShape), ...more };
  },

  CreateAccessKey(call) {
    const user = authorizedUser(call, "iam:CreateAccessKey", targetUserName(call));
    if (listUserKeys(call.ctx.db, user.user_name).length >= 2) throw new AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409);
    const key: IamKey = {
      access_key_id: generateAccessKeyId(),
      secret: generateSecretAccessKey(),
      user_name: user.user_name,
      status: "Active",
      create_date: call.now.getTime(),
      last_used_ms: null,
      last_used_service: null,
      last_used_region: null,
    };
    insertKey(call.ctx.db, key);
    call.resources.push({ type: "AWS::IAM::AccessKey", name: key.access_key_id });
    return { AccessKey: { ...keyShape(key), SecretAccessKey: key.secret } };
  },

  ListAccessKeys(call) {
    const user = authorizedUser(call, "iam:ListAccessKeys", targetUserName(call));
    const { page, ...more } = paginateIam(listUserKeys(call.ctx.db, user.user_name), call.params);
    return { AccessKeyMetadata: page.map(keyShape), ...more };
  },

  UpdateAccessKey(call) {
    const user = authorizedUser(call, "iam:UpdateAccessKey", targetUserName(call));
    const id = requireStr(call, "AccessKeyId");
    const status = requireStr(call, "Status");
    if (status !== "Active" && status !== "Inactive")
      throw new AwsError("ValidationError", `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
    findKeyOf(call, user.user_name, id);
    call.ctx.db.prepare(`UPDATE aws_iam_keys SET status = ? WHERE access_key_id = ?`).run(status, id);
    call.resources.push({ type: "AWS::IAM::AccessKey", name: id });
    return undefined;
  },

  DeleteAccessKey(call) {
    const user = authorizedUser(call, "iam:DeleteAccessKey", targetUserName(call));
    const id = requireStr(call, "AccessKeyId");
    findKeyOf(call, user.user_name, id);
    call.ctx.db.prepare(`DELETE FROM aws_iam_keys WHERE access_key_id = ?`).run(id);
    call.resources.push({ type: "AWS::IAM::AccessKey", name: id });
    return undefined;
  },

  GetAccessKeyLastUsed(call) {
    const id = requireStr(call, "AccessKeyId");
    const key = findKey(call.ctx.db, id);
    if (!key) {
      authorize(call, "iam:GetAccessKeyLastUsed", "*", undefined);
      throw new AwsError("NoSuchEntity", `The Access Key with id ${id} cannot be found.`, 404);
    }
    const user = authorizedUser(call, "iam:GetAccessKeyLastUsed", key.user_name);
    const used = key.last_used_ms !== null;
    return {
      UserName: user.user_name,
      AccessKeyLastUsed: used
        ? { LastUsedDate: new Date(key.last_used_ms!), ServiceName: key.last_used_service ?? "N/A", Region: key.last_used_region ?? "N/A" }
        : { ServiceName: "N/A", Region: "N/A" },
    };
  },

  PutUserPolicy(call) {
    const user = authorizedUser(call, "iam:PutUserPolicy", requireStr(call, "UserName"));
    const name = requireStr(call, "PolicyName");
    checkName(name, POLICY_NAME_RE, "policyName");
    putUserPolicy(call.ctx.db, user.user_name, name, policyDocumentOf(call));
    return undefined;
  },

  GetUserPolicy(call) {
    const user = authorizedUser(call, "iam:GetUserPolicy", requireStr(call, "UserName"));
    const name = requireStr(call, "PolicyName");
    const row = call.ctx.db.prepare(`SELECT policy_name, document FROM aws_iam_user_policies WHERE user_name = ? AND policy_name = ?`).get(user.user_name, name) as { policy_name: string; document: string } | undefined;
    if (!row) throw new AwsError("NoSuchEntity", `The user policy with name ${name} cannot be found.`, 404);
    // IAM returns policy documents URL-encoded (RFC 3986).
    return { UserName: user.user_name, PolicyName: row.policy_name, PolicyDocument: encodeURIComponent(row.document) };
  },

  ListUserPolicies(call) {
    const user = authorizedUser(call, "iam:ListUserPolicies", requireStr(call, "UserName"));
    const names = (call.ctx.db.prepare(`SELECT policy_name FROM aws_iam_user_policies WHERE user_name = ? ORDER BY policy_name`).all(user.user_name) as { policy_name: string }[]).map((r) => r.policy_name);
    const { page, ...more } = paginateIam(names, call.params);
    return { PolicyNames: page, ...more };
  },

  DeleteUserPolicy(call) {
    const user = authorizedUser(call, "iam:DeleteUserPolicy", requireStr(call, "UserName"));
    const name = requireStr(call, "PolicyName");
    const r = call.ctx.db.prepare(`DELETE FROM aws_iam_user_policies WHERE user_name = ? AND policy_name = ?`).run(user.user_name, name);
    if (r.changes === 0) throw new AwsError("NoSuchEntity", `The user policy with name ${name} cannot be found.`, 404);
    return undefined;
  },

  AttachUserPolicy(call) {
    const user = authorizedUser(call, "iam:AttachUserPolicy", requireStr(call, "UserName"));
    const arn = requireStr(call, "PolicyArn");
    if (!policyArnRe.test(arn)) throw new AwsError("InvalidInput", `ARN ${arn} is not valid.`, 400);
    if (!findManagedPolicy(call.ctx.db, arn)) throw new AwsError("NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`, 404);
    const count = call.ctx.db.prepare(`SELECT COUNT(*) AS n FROM aws_iam_user_attached WHERE user_name = ?`).get(user.user_name) as { n: number };
    const already = call.ctx.db.prepare(`SELECT 1 FROM aws_iam_user_attached WHERE user_name = ? AND policy_arn = ?`).get(user.user_name, arn);
    if (!already && count.n >= 10) throw new AwsError("LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10", 409);
    call.ctx.db.prepare(`INSERT OR IGNORE INTO aws_iam_user_attached (user_name, policy_arn) VALUES (?, ?)`).run(user.user_name, arn);
    return undefined;
  },

  DetachUserPolicy(call) {
    const user = authorizedUser(call, "iam:DetachUserPolicy", requireStr(call, "UserName"));
    const arn = requireStr(call, "PolicyArn");
    if (!policyArnRe.test(arn)) throw new AwsError("InvalidInput", `ARN ${arn} is not valid.`, 400);
    const r = call.ctx.db.prepare(`DELETE FROM aws_iam_user_attached WHERE user_name = ? AND policy_arn = ?`).run(user.user_name, arn);
    if (r.changes === 0) throw new AwsError("NoSuchEntity", `Policy ${arn} was not found.`, 404);
    return undefined;
  },

  ListAttachedUserPolicies(call) {
    const user = authorizedUser(call, "iam:ListAttachedUserPolicies", requireStr(call, "UserName"));
    const prefix = str(call, "PathPrefix") ?? "/";
    const rows = call.ctx.db
      .prepare(`SELECT p.policy_name, p.arn, p.path FROM aws_iam_user_attached a JOIN aws_iam_policies p ON p.arn = a.policy_arn WHERE a.user_name = ? ORDER BY p.policy_name`)
      .all(user.user_name) as { policy_name: string; arn: string; path: string }[];
    const { page, ...more } = paginateIam(rows.filter((r) => r.path.startsWith(prefix)), call.params);
    return { AttachedPolicies: page.map((r) => ({ PolicyName: r.policy_name, PolicyArn: r.arn })), ...more };
  },

  CreatePolicy(call) {
    const name = requireStr(call, "PolicyName");
    checkName(name, POLICY_NAME_RE, "policyName");
    const path = str(call, "Path") ?? "/";
    const arn = `arn:aws:iam::${ACCOUNT_ID}:policy${path}${name}`;
    authorize(call, "iam:CreatePolicy", arn);
    const document = policyDocumentOf(call);
    const dup = call.ctx.db.prepare(`SELECT 1 FROM aws_iam_policies WHERE policy_name = ? COLLATE NOCASE AND arn NOT LIKE 'arn:aws:iam::aws:%'`).get(name);
    if (dup) throw new AwsError("EntityAlreadyExists", `A policy called ${name} already exists. Duplicate names are not allowed.`, 409);
    const p: IamManagedPolicy = {
      arn,
      policy_name: name,
      policy_id: generatePolicyId(),
      path,
      default_version_id: "v1",
      create_date: call.now.getTime(),
      update_date: call.now.getTime(),
      description: str(call, "Description") ?? null,
    };
    insertManagedPolicy(call.ctx.db, p, document);
    return { Policy: { ...managedPolicyShape(call, p), Description: undefined } };
  },

  GetPolicy(call) {
    return { Policy: managedPolicyShape(call, requirePolicy(call, "iam:GetPolicy")) };
  },

  GetPolicyVersion(call) {
    const p = requirePolicy(call, "iam:GetPolicyVersion");
    const version = requireStr(call, "VersionId");
    const row = call.ctx.db.prepare(`SELECT * FROM aws_iam_policy_versions WHERE policy_arn = ? AND version_id = ?`).get(p.arn, version) as { document: string; version_id: string; create_date: number } | undefined;
    if (!row) throw new AwsError("NoSuchEntity", `Policy ${p.arn} version ${version} does not exist or is not attachable.`, 404);
    return { PolicyVersion: { Document: encodeURIComponent(row.document), VersionId: row.version_id, IsDefaultVersion: row.version_id === p.default_version_id, CreateDate: new Date(row.create_date) } };
  },

  GenerateCredentialReport(call) {
    authorize(call, "iam:GenerateCredentialReport", "*", undefined);
    const db = call.ctx.db;
    const existing = db.prepare(`SELECT generated_ms FROM aws_iam_credential_report WHERE id = 1`).get() as { generated_ms: number } | undefined;
    // IAM regenerates at most every four hours; a fresh report is reported COMPLETE without regenerating.
    if (existing && call.now.getTime() - existing.generated_ms < REPORT_TTL_MS) return { State: "COMPLETE" };
    const csv = buildCredentialReport(db, Number(getMeta(db, "aws_account_created") ?? call.now.getTime()));
    db.prepare(`INSERT INTO aws_iam_credential_report (id, generated_ms, csv) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET generated_ms = excluded.generated_ms, csv = excluded.csv`).run(call.now.getTime(), csv);
    return { State: "STARTED", Description: "No report exists. Starting a new report generation task" };
  },

  GetCredentialReport(call) {
    authorize(call, "iam:GetCredentialReport", "*", undefined);
    const row = call.ctx.db.prepare(`SELECT generated_ms, csv FROM aws_iam_credential_report WHERE id = 1`).get() as { generated_ms: number; csv: string } | undefined;
    if (!row) throw new AwsError("ReportNotPresent", "Unknown", 410);
    if (call.now.getTime() - row.generated_ms >= REPORT_TTL_MS) throw new AwsError("ReportExpired", "Unknown", 410);
    return { Content: Buffer.from(row.csv).toString("base64"), ReportFormat: "text/csv", GeneratedTime: new Date(row.generated_ms) };
  },
};

export const stsOperations: Record<string, OperationHandler> = {
  // GetCallerIdentity needs no permission: IAM cannot deny it.
  GetCallerIdentity(call) {
    const p = call.principal;
    if (p.kind === "root") return { UserId: ACCOUNT_ID, Account: ACCOUNT_ID, Arn: p.arn };
    // A role session is ROLE_ID:SESSION_NAME (STS API reference, GetCallerIdentity).
    return { UserId: p.kind === "user" ? p.userId : `${p.roleId}:${p.sessionName}`, Account: ACCOUNT_ID, Arn: p.arn };
  },
};
