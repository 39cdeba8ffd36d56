import { generateKeyPairSync, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { calculateJwkThumbprint, importJWK, SignJWT, type JWK } from "jose";
import { z } from "zod";
import type { SandboxContext } from "../context";
import { readBody, sendJson } from "../http-util";
import { getMeta, setMeta } from "../store";
import { findRepo } from "./repos";
import { findUser } from "./users";
import { subjectTemplate } from "./oidc-customization";

/**
 * GitHub Actions' OIDC issuer, as the sandbox plays it. Tokens carry GitHub's issuer, `https://token.actions.
 * githubusercontent.com`, so that IAM providers and trust policies are written exactly as for github.com; the sandbox
 * serves that issuer's discovery document and JWKS at its own `/.well-known/openid-configuration` and
 * `/.well-known/jwks` (the sandbox reaches no internet; STS resolves GitHub's issuer to the sandbox, see
 * `issuerFetchUrl`). Tokens are RS256 JWTs with GitHub's claims (GitHub docs, "OpenID Connect reference"): `sub` is
 * `repo:OWNER/REPO:environment:ENV` for a job with an environment, else `repo:OWNER/REPO:pull_request` for a
 * pull_request event, else `repo:OWNER/REPO:ref:REF`; `:` inside values becomes `%3A`; `nbf` is `iat` − 600 s and
 * `exp` `iat` + 300 s, as in GitHub's documented examples.
 */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/** Where the sandbox answers for `url` when it belongs to GitHub's issuer; other URLs are left as they are. */
export function issuerFetchUrl(ctx: SandboxContext, url: string): string {
  return url === GITHUB_OIDC_ISSUER || url.startsWith(`${GITHUB_OIDC_ISSUER}/`) ? ctx.baseUrl() + url.slice(GITHUB_OIDC_ISSUER.length) : url;
}

const CLAIMS_SUPPORTED = [
  "sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository", "repository_id", "repository_owner", "repository_owner_id", "run_id",
  "run_number", "run_attempt", "actor", "actor_id", "workflow", "workflow_ref", "workflow_sha", "head_ref", "base_ref", "event_name", "ref_type",
  "ref_protected", "environment", "environment_node_id", "job_workflow_ref", "job_workflow_sha", "repository_visibility", "runner_environment",
];

interface SigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The issuer's RSA key pair, made once per sandbox data dir (kid = the JWK thumbprint). */
async function signingKey(ctx: SandboxContext): Promise<SigningKey> {
  const stored = getMeta(ctx.db, "gh_oidc_signing_key");
  if (stored) return JSON.parse(stored) as SigningKey;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk);
  const key: SigningKey = { privateJwk: { ...(privateKey.export({ format: "jwk" }) as JWK), kid, alg: "RS256" }, publicJwk: { ...publicJwk, kid, alg: "RS256", use: "sig" } };
  setMeta(ctx.db, "gh_oidc_signing_key", JSON.stringify(key));
  return key;
}

export const actionsTokenRequestSchema = z.object({
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  audience: z.string().min(1).optional(),
  ref: z.string().default("refs/heads/main"),
  sha: z.string().regex(/^[0-9a-f]{40}$/).optional(),
  eventName: z.string().default("push"),
  environment: z.string().optional(),
  workflow: z.string().default("Build and Push to AWS ECR"),
  workflowFile: z.string().default(".github/workflows/ecr.yml"),
  runId: z.number().int().positive().default(1),
  runNumber: z.number().int().positive().default(1),
  runAttempt: z.number().int().positive().default(1),
  actor: z.string().default("octo-operator"),
  headRef: z.string().optional(),
  baseRef: z.string().optional(),
  /**
   * The immutable subject format `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` (GitHub docs, "Immutable subject claims");
   * unset: the repository's setting (GET …/actions/oidc/customization/sub), which follows its creation date.
   */
  immutableSubject: z.boolean().optional(),
  /** Seconds since the epoch the token is issued at (tests: expired or not-yet-valid tokens). */
  issuedAt: z.number().int().optional(),
});
export type ActionsTokenRequest = z.input<typeof actionsTokenRequestSchema>;

const escapeColons = (v: string) => v.replace(/:/g, "%3A");

/** The context part of the default `sub` (GitHub docs, "Example subject claims"): environment, pull_request or ref. */
export function subjectContext(o: { environment?: string; eventName: string; ref: string }): string {
  if (o.environment) return `environment:${escapeColons(o.environment)}`;
  if (o.eventName === "pull_request") return "pull_request";
  return `ref:${escapeColons(o.ref)}`;
}

/** Sign a job's ID token (what `core.getIDToken(audience)` returns inside a run with `id-token: write`). */
export async function issueActionsIdToken(ctx: SandboxContext, request: ActionsTokenRequest): Promise<string> {
  const r = actionsTokenRequestSchema.parse(request);
  const [owner, name] = r.repository.split("/");
  const repo = findRepo(ctx, owner, name);
  const ownerUser = findUser(ctx.db, owner);
  const actor = findUser(ctx.db, r.actor);
  const repositoryId = String(repo?.id ?? 0);
  const ownerId = String(ownerUser?.id ?? 0);
  const template = repo ? subjectTemplate(ctx, repo) : undefined;
  const repoPart = (r.immutableSubject ?? template?.immutable ?? false) ? `repo:${owner}@${ownerId}/${name}@${repositoryId}` : `repo:${owner}/${name}`;
  const context = subjectContext({ environment: r.environment, eventName: r.eventName, ref: r.ref });
  const sha = r.sha ?? "0".repeat(40);
  const workflowRef = `${r.repository}/${r.workflowFile}@${r.ref}`;
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    sub: `${repoPart}:${context}`,
    aud: r.audience ?? `https://github.com/${owner}`,
    ref: r.ref,
    sha,
    repository: r.repository,
    repository_owner: owner,
    repository_owner_id: ownerId,
    run_id: String(r.runId),
    run_number: String(r.runNumber),
    run_attempt: String(r.runAttempt),
    repository_visibility: repo && !repo.private ? "public" : "private",
    repository_id: repositoryId,
    actor_id: String(actor?.id ?? 0),
    actor: r.actor,
    workflow: r.workflow,
    head_ref: r.headRef ?? "",
    base_ref: r.baseRef ?? "",
    event_name: r.eventName,
    ref_protected: "false",
    ref_type: r.ref.startsWith("refs/tags/") ? "tag" : "branch",
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    runner_environment: "self-hosted",
    ...(r.environment ? { environment: r.environment } : {}),
  };
  // A customized template replaces the whole `sub` by its claims, in order (`repo` and `context` as in the default).
  if (template && !template.useDefault)
    claims.sub = template.includeClaimKeys.map((k) => (k === "repo" ? repoPart : k === "context" ? context : `${k}:${escapeColons(String(claims[k] ?? ""))}`)).join(":");
  const key = await signingKey(ctx);
  const iat = r.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.privateJwk.kid })
    .setIssuer(GITHUB_OIDC_ISSUER)
    .setIssuedAt(iat)
    .setNotBefore(iat - 600)
    .setExpirationTime(iat + 300)
    .sign(await importJWK(key.privateJwk, "RS256"));
}

/**
 * GET /.well-known/openid-configuration and /.well-known/jwks: GitHub's issuer metadata (issuer and jwks_uri name
 * GitHub's own URLs, as the real document does) and the public key.
 */
export async function handleOidcIssuer(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (url.pathname === "/.well-known/openid-configuration") {
    sendJson(res, 200, {
      issuer: GITHUB_OIDC_ISSUER,
      jwks_uri: `${GITHUB_OIDC_ISSUER}/.well-known/jwks`,
      subject_types_supported: ["public", "pairwise"],
      response_types_supported: ["id_token"],
      claims_supported: CLAIMS_SUPPORTED,
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid"],
    });
    return true;
  }
  if (url.pathname === "/.well-known/jwks") {
    sendJson(res, 200, { keys: [(await signingKey(ctx)).publicJwk] });
    return true;
  }
  return false;
}

/**
 * POST /_sandbox/github/actions/id-token (admin): a job's ID token, `{ "value": "<jwt>" }` as the runner's token
 * endpoint (ACTIONS_ID_TOKEN_REQUEST_URL) answers; the body is an `ActionsTokenRequest`.
 */
export async function handleIdTokenAdmin(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  if (url.pathname !== "/_sandbox/github/actions/id-token" || req.method !== "POST") return false;
  const parsed = actionsTokenRequestSchema.safeParse(JSON.parse((await readBody(req)).toString("utf8") || "{}"));
  if (!parsed.success) {
    sendJson(res, 422, { message: "Invalid request", errors: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
    return true;
  }
  sendJson(res, 200, { value: await issueActionsIdToken(ctx, parsed.data) });
  return true;
}
