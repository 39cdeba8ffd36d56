import { randomBytes, createHmac } from "node:crypto";
import type Database from "better-sqlite3";
import { getMeta, setMeta } from "../store";
import { authorize, type AwsCall } from "./call";
import { ACCOUNT_ID, AwsError } from "./errors";
import { findRepo, repoArn, repoUri, type EcrRepo } from "./ecr-store";

const NAME_RE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function param<T = unknown>(call: AwsCall, name: string): T | undefined {
  return call.params[name] as T | undefined;
}

export function invalidParameter(message: string): AwsError {
  return new AwsError("InvalidParameterException", message, 400);
}

export function requireParam<T>(call: AwsCall, name: string): T {
  const v = call.params[name];
  if (v === undefined || v === null || v === "") throw invalidParameter(`Invalid parameter at '${name}' failed to satisfy constraint: 'Member must not be null'`);
  return v as T;
}

export function checkRepositoryName(name: string): void {
  if (name.length < 2 || name.length > 256 || !NAME_RE.test(name))
    throw invalidParameter(`Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`);
}

export function repositoryNotFound(name: string, registryId = ACCOUNT_ID): AwsError {
  return new AwsError("RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${registryId}'`, 400);
}

/**
 * The repository a call names, after authorizing `action` on its ARN (ECR authorizes before it looks the
 * repository up, so a denied caller cannot probe which repositories exist).
 */
export function authorizedRepo(call: AwsCall, action: string): EcrRepo {
  const name = requireParam<string>(call, "repositoryName");
  checkRepositoryName(name);
  const arn = repoArn(call.region, name);
  authorize(call, action, arn);
  call.resources.push({ type: "AWS::ECR::Repository", name, arn });
  const registryId = param<string>(call, "registryId") ?? ACCOUNT_ID;
  const repo = registryId === ACCOUNT_ID ? findRepo(call.ctx.db, call.region, name) : undefined;
  if (!repo) throw repositoryNotFound(name, registryId);
  return repo;
}

export function repositoryShape(r: EcrRepo) {
  return {
    repositoryArn: repoArn(r.region, r.name),
    registryId: ACCOUNT_ID,
    repositoryName: r.name,
    repositoryUri: repoUri(r.region, r.name),
    createdAt: new Date(r.created_ms),
    imageTagMutability: r.tag_mutability,
    ...(r.tag_mutability_exclusion_filters ? { imageTagMutabilityExclusionFilters: JSON.parse(r.tag_mutability_exclusion_filters) as unknown[] } : {}),
    imageScanningConfiguration: { scanOnPush: r.scan_on_push === 1 },
    encryptionConfiguration: { encryptionType: r.encryption_type },
  };
}

export function maxResultsOf(call: AwsCall, fallback: number, max = 1000): number {
  const v = call.params.maxResults;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max)
    throw invalidParameter(`Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value ${Number(v) < 1 ? "greater than or equal to 1" : `less than or equal to ${max}`}'`);
  return v;
}

/** Opaque paging tokens bound to what they page (a token from another listing is refused). */
export function encodeToken(scope: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ s: scope, p: position })).toString("base64");
}

export function decodeToken<T>(token: unknown, scope: string): T | undefined {
  if (token === undefined || token === null || token === "") return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), "base64").toString("utf8")) as { s: string; p: T };
    if (parsed.s === scope) return parsed.p;
  } catch {
    // fall through
  }
  throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
}

/** Sandbox-held secret for authorization tokens and layer download URLs. */
export function urlSecret(db: Database.Database): string {
  let s = getMeta(db, "aws_url_secret");
  if (!s) {
    s = randomBytes(32).toString("hex");
    setMeta(db, "aws_url_secret", s);
  }
  return s;
}

export const hmacHex = (secret: string, text: string) => createHmac("sha256", secret).update(text).digest("hex");
