import type { SandboxContext } from "../context";
import type { Protocol } from "./protocol";
import { ACCOUNT_ID, AwsError } from "./errors";
import { evaluatePolicies, parsePolicyDocument, type PolicyDocument } from "./policy";
import { userPolicyDocuments } from "./iam-store";
import { rolePolicyDocuments } from "./iam-roles-store";

export type AwsService = "iam" | "sts" | "ecr" | "cloudtrail";

/**
 * Who signed the request: the sandbox administrator key acts as the account root; AKIA keys are IAM users'; ASIA keys
 * are role sessions STS handed out (AssumeRoleWithWebIdentity), acting with the role's policies.
 */
export type Principal =
  | { kind: "root"; accessKeyId: string; arn: string; principalId: string }
  | { kind: "user"; accessKeyId: string; userName: string; userId: string; arn: string }
  | AssumedRolePrincipal;

export interface AssumedRolePrincipal {
  kind: "assumed-role";
  accessKeyId: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  arn: string;
  roleName: string;
  roleId: string;
  roleArn: string;
  sessionName: string;
  issuedMs: number;
  /** The IAM OIDC provider's ARN when the session came from AssumeRoleWithWebIdentity. */
  federatedProvider?: string;
}

export interface TrailResource {
  type: string;
  name: string;
  arn?: string;
}

export interface AwsCall {
  ctx: SandboxContext;
  service: AwsService;
  operation: string;
  protocol: Protocol;
  region: string;
  principal: Principal;
  /** Query: flat form params (strings). JSON: the parsed body. */
  params: Record<string, unknown>;
  requestId: string;
  now: Date;
  userAgent: string;
  sourceIp: string;
  /** Resources to list on the CloudTrail event (filled by operations). */
  resources: TrailResource[];
}

export type OperationHandler = (call: AwsCall) => unknown | Promise<unknown>;

export const rootArn = `arn:aws:iam::${ACCOUNT_ID}:root`;

function accessDeniedMessage(principalArn: string, action: string, messageResource: string | undefined, explicit: boolean): string {
  const on = messageResource === undefined ? "" : ` on resource: ${messageResource}`;
  const why = explicit ? "with an explicit deny in an identity-based policy" : `because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action}${on} ${why}`;
}

export function accessDeniedError(protocol: Protocol, principalArn: string, action: string, messageResource: string | undefined, explicit = false): AwsError {
  const message = accessDeniedMessage(principalArn, action, messageResource, explicit);
  return protocol === "query" ? new AwsError("AccessDenied", message, 403) : new AwsError("AccessDeniedException", message, 400);
}

/**
 * Evaluate the caller's identity-based policies for `action` on `resourceArn`; throws AWS's AccessDenied
 * when not allowed. `messageResource` is how the service names the resource in its message (IAM says
 * "user NAME"); undefined leaves "on resource" out, as services do for actions on "*".
 */
export function authorize(call: AwsCall, action: string, resourceArn: string, messageResource: string | undefined = resourceArn): void {
  const p = call.principal;
  if (p.kind === "root") return;
  const docs: PolicyDocument[] = [];
  for (const text of p.kind === "user" ? userPolicyDocuments(call.ctx.db, p.userName) : rolePolicyDocuments(call.ctx.db, p.roleName)) {
    const parsed = parsePolicyDocument(text);
    if (parsed.ok) docs.push(parsed.doc);
  }
  const decision = evaluatePolicies(docs, action, resourceArn);
  if (decision !== "allow") throw accessDeniedError(call.protocol, p.arn, action, messageResource, decision === "explicit-deny");
}

/** Typed access to request members (JSON bodies or Query params). */
export function str(call: AwsCall, name: string): string | undefined {
  const v = call.params[name];
  return typeof v === "string" ? v : undefined;
}

export function requireStr(call: AwsCall, name: string, queryName = name): string {
  const v = str(call, name);
  if (v === undefined || v === "") {
    throw call.protocol === "query"
      ? new AwsError("ValidationError", `1 validation error detected: Value null at '${queryName.charAt(0).toLowerCase() + queryName.slice(1)}' failed to satisfy constraint: Member must not be null`, 400)
      : new AwsError("InvalidParameterException", `Invalid parameter at '${name}' failed to satisfy constraint: 'Member must not be null'`, 400);
  }
  return v;
}
