import fs from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import {
  CreateOpenIDConnectProviderCommand, CreateRoleCommand, DeleteOpenIDConnectProviderCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetOpenIDConnectProviderCommand,
  GetRoleCommand, GetRolePolicyCommand, ListOpenIDConnectProvidersCommand, ListRolePoliciesCommand, ListRolesCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestSandbox, type TestSandbox, sdkErrorOf } from "./test-helpers";
import { outputShapeProblems } from "./shape-check";
import type { ActionsTokenRequest } from "../github/oidc-issuer";

const CLI_TIMEOUT_MS = 240_000;
const GITHUB = "token.actions.githubusercontent.com";
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${GITHUB}`;
const PUSH_POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:DescribeRepositories", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: "*" }] });

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t.close();
  fs.rmSync(t.dataDir, { recursive: true, force: true });
});

function trust(sub: string | string[], op = "StringEquals") {
  const condition: Record<string, Record<string, string | string[]>> = { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" } };
  condition[op] = { ...(condition[op] ?? {}), [`${GITHUB}:sub`]: sub };
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition }] });
}

async function idToken(request: Partial<ActionsTokenRequest> = {}): Promise<string> {
  const res = await fetch(`${t.url}/_sandbox/github/actions/id-token`, {
    method: "POST",
    headers: { authorization: `Bearer ${t.sb.ctx.options.adminToken}`, "content-type": "application/json" },
    // The name form of `sub` unless a test asks otherwise (the seeded repository, created after 2026-07-15, would
    // otherwise get GitHub's immutable form by default; see the issuer test).
    body: JSON.stringify({ repository: "acme/mcp-servers", audience: "sts.amazonaws.com", immutableSubject: false, ...request }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: string }).value;
}

/** STS without credentials, as configure-aws-credentials calls it (the SDK sends this operation unsigned). */
const anonymousSts = () => new STSClient({ endpoint: t.url, region: "us-east-1", maxAttempts: 1 });

const errorOf = sdkErrorOf;

describe("GitHub's OIDC issuer in the sandbox", () => {
  it("serves GitHub's discovery document and JWKS, and signs RS256 tokens with GitHub's claims", async () => {
    const discovery = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: `https://${GITHUB}`, jwks_uri: `https://${GITHUB}/.well-known/jwks`, id_token_signing_alg_values_supported: ["RS256"], response_types_supported: ["id_token"] });
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["sub", "aud", "repository", "ref", "job_workflow_ref", "environment", "run_id"]));
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks`)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB", kid: expect.any(String) });
    expect(jwks.keys[0].d).toBeUndefined();

    const token = await idToken({ ref: "refs/heads/main", runId: 42, sha: "a".repeat(40) });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", typ: "JWT", kid: jwks.keys[0].kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), { issuer: `https://${GITHUB}`, audience: "sts.amazonaws.com" });
    expect(payload).toMatchObject({
      sub: "repo:acme/mcp-servers:ref:refs/heads/main",
      repository: "acme/mcp-servers",
      repository_owner: "acme",
      ref: "refs/heads/main",
      ref_type: "branch",
      event_name: "push",
      run_id: "42",
      workflow: "Build and Push to AWS ECR",
      job_workflow_ref: "acme/mcp-servers/.github/workflows/ecr.yml@refs/heads/main",
      repository_id: "812345670",
    });
    expect(payload.nbf).toBe(payload.iat! - 600);
    expect(payload.exp).toBe(payload.iat! + 300);

    expect(decodeJwt(await idToken({ eventName: "pull_request", ref: "refs/pull/7/merge" })).sub).toBe("repo:acme/mcp-servers:pull_request");
    expect(decodeJwt(await idToken({ environment: "prod" })).sub).toBe("repo:acme/mcp-servers:environment:prod");
    expect(decodeJwt(await idToken({ environment: "Production:V1" })).sub).toBe("repo:acme/mcp-servers:environment:Production%3AV1");
    expect(decodeJwt(await idToken({ immutableSubject: true })).sub).toMatch(/^repo:acme@\d+\/mcp-servers@812345670:ref:refs\/heads\/main$/);
    // The repository's own setting decides when the request does not: created after 2026-07-15, it is immutable.
    const custom = (await (await fetch(`${t.url}/api/v3/repos/acme/mcp-servers/actions/oidc/customization/sub`, { headers: { authorization: "token ghp_sandboxadmintoken" } })).json()) as { use_default: boolean; use_immutable_subject: boolean; sub_claim_prefix: string };
    expect(custom).toMatchObject({ use_default: true, use_immutable_subject: true, sub_claim_prefix: expect.stringMatching(/^repo:acme@\d+\/mcp-servers@812345670$/) });
    expect(decodeJwt(await idToken({ immutableSubject: undefined })).sub).toBe(`${custom.sub_claim_prefix}:ref:refs/heads/main`);
    // Without an audience asked for, GitHub's default: the owner's URL.
    expect(decodeJwt(await idToken({ audience: undefined })).aud).toBe("https://github.com/acme");
  });
});

describe("IAM OIDC providers and roles", () => {
  it("answers the AWS CLI v2 as IAM does", async () => {
    const create = await t.cli(["iam", "create-open-id-connect-provider", "--url", `https://${GITHUB}`, "--client-id-list", "sts.amazonaws.com", "--thumbprint-list", "6938fd4d98bab03faadb97b34396831e3780aea1"]);
    expect(create.json).toEqual({ OpenIDConnectProviderArn: PROVIDER_ARN });
    const [get, list, dup, http, noSub, role] = await Promise.all([
      t.cli(["iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", PROVIDER_ARN]),
      t.cli(["iam", "list-open-id-connect-providers"]),
      t.cli(["iam", "create-open-id-connect-provider", "--url", `https://${GITHUB}`, "--client-id-list", "sts.amazonaws.com", "--thumbprint-list", "6938fd4d98bab03faadb97b34396831e3780aea1"]),
      t.cli(["iam", "create-open-id-connect-provider", "--url", "http://insecure.example.com", "--client-id-list", "x", "--thumbprint-list", "6938fd4d98bab03faadb97b34396831e3780aea1"]),
      t.cli(["iam", "create-role", "--role-name", "cli-wide", "--assume-role-policy-document", JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" } } }] })]),
      t.cli(["iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", trust("repo:acme/mcp-servers:ref:refs/heads/main"), "--description", "made by the CLI"]),
    ]);
    for (const [op, out] of [["GetOpenIDConnectProvider", get.json], ["ListOpenIDConnectProviders", list.json], ["CreateRole", role.json]] as const) expect(outputShapeProblems("iam", op, out), op).toEqual([]);
    expect(get.json).toMatchObject({ Url: GITHUB, ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["6938fd4d98bab03faadb97b34396831e3780aea1"] });
    expect(list.json.OpenIDConnectProviderList).toEqual([{ Arn: PROVIDER_ARN }]);
    expect(dup.stderr).toContain(`An error occurred (EntityAlreadyExists) when calling the CreateOpenIDConnectProvider operation: Provider with url https://${GITHUB} already exists.`);
    expect(http.stderr).toContain("(InvalidInput)");
    expect(noSub.stderr).toContain(
      `An error occurred (MalformedPolicyDocument) when calling the CreateRole operation: Trust policy with trusted principal ${PROVIDER_ARN} must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, ${GITHUB}:sub or ${GITHUB}:job_workflow_ref which is not scoped to all`,
    );
    expect(role.json.Role).toMatchObject({ RoleName: "cli-role", Path: "/", Arn: "arn:aws:iam::123456789012:role/cli-role", RoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}$/) });
    // The CLI decodes the URL-encoded document itself: only possible if IAM's encoding was followed.
    expect(role.json.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trust("repo:acme/mcp-servers:ref:refs/heads/main")));

    const [put, getRole, roles] = await Promise.all([
      t.cli(["iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "ecr-push-policy", "--policy-document", PUSH_POLICY]),
      t.cli(["iam", "get-role", "--role-name", "cli-role"]),
      t.cli(["iam", "list-roles"]),
    ]);
    const [getPolicy, listPolicies, conflict, update, missing] = await Promise.all([
      t.cli(["iam", "get-role-policy", "--role-name", "cli-role", "--policy-name", "ecr-push-policy"]),
      t.cli(["iam", "list-role-policies", "--role-name", "cli-role"]),
      t.cli(["iam", "delete-role", "--role-name", "cli-role"]),
      t.cli(["iam", "update-assume-role-policy", "--role-name", "cli-role", "--policy-document", trust("repo:acme/mcp-servers:*", "StringLike")]),
      t.cli(["iam", "get-role", "--role-name", "ghost"]),
    ]);
    for (const [op, out] of [["GetRole", getRole.json], ["ListRoles", roles.json], ["GetRolePolicy", getPolicy.json], ["ListRolePolicies", listPolicies.json]] as const) expect(outputShapeProblems("iam", op, out), op).toEqual([]);
    expect(put.code).toBe(0);
    expect(getRole.json.Role).toMatchObject({ RoleName: "cli-role", Description: "made by the CLI", MaxSessionDuration: 3600, RoleLastUsed: {} });
    expect(roles.json.Roles.map((r: { RoleName: string }) => r.RoleName)).toContain("cli-role");
    expect(getPolicy.json).toEqual({ RoleName: "cli-role", PolicyName: "ecr-push-policy", PolicyDocument: JSON.parse(PUSH_POLICY) });
    expect(listPolicies.json).toEqual({ PolicyNames: ["ecr-push-policy"] });
    expect(conflict.stderr).toContain("An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must delete policies first.");
    expect(update.code).toBe(0);
    expect(missing.stderr).toContain("An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name ghost cannot be found.");

    const delPolicy = await t.cli(["iam", "delete-role-policy", "--role-name", "cli-role", "--policy-name", "ecr-push-policy"]);
    const delRole = await t.cli(["iam", "delete-role", "--role-name", "cli-role"]);
    const delProvider = await t.cli(["iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn", PROVIDER_ARN]);
    expect([delPolicy.code, delRole.code, delProvider.code]).toEqual([0, 0, 0]);
    const gone = await t.cli(["iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", PROVIDER_ARN]);
    expect(gone.stderr).toContain(`An error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider operation: OpenIDConnect Provider not found for arn ${PROVIDER_ARN}`);
  }, CLI_TIMEOUT_MS);

  it("answers the v3 SDK, which may leave out the thumbprints IAM no longer requires", async () => {
    const iam = t.iam();
    const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: "https://oidc.example.com/tenant", ClientIDList: ["a", "b"] }));
    expect(created.OpenIDConnectProviderArn).toBe("arn:aws:iam::123456789012:oidc-provider/oidc.example.com/tenant");
    expect(await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: created.OpenIDConnectProviderArn }))).toMatchObject({ Url: "oidc.example.com/tenant", ClientIDList: ["a", "b"], ThumbprintList: [] });
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toContainEqual({ Arn: created.OpenIDConnectProviderArn });
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: created.OpenIDConnectProviderArn }));

    const doc = trust(["repo:acme/mcp-servers:ref:refs/heads/main", "repo:acme/mcp-servers:environment:prod"]);
    const role = await iam.send(new CreateRoleCommand({ RoleName: "sdk-role", Path: "/deckhand/", AssumeRolePolicyDocument: doc, MaxSessionDuration: 7200 }));
    expect(role.Role).toMatchObject({ Arn: "arn:aws:iam::123456789012:role/deckhand/sdk-role", Path: "/deckhand/" });
    expect(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: "sdk-role" }))).Role!.AssumeRolePolicyDocument!)).toBe(doc);
    expect(await errorOf(iam.send(new CreateRoleCommand({ RoleName: "sdk-role", AssumeRolePolicyDocument: doc })))).toMatchObject({ name: "EntityAlreadyExistsException", status: 409 });
    expect(await errorOf(iam.send(new CreateRoleCommand({ RoleName: "sdk-bad", AssumeRolePolicyDocument: doc, MaxSessionDuration: 60 })))).toMatchObject({ name: "ValidationError" });
    expect(await errorOf(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "sdk-role", PolicyDocument: trust("*", "StringLike") })))).toMatchObject({ name: "MalformedPolicyDocumentException" });
    await iam.send(new PutRolePolicyCommand({ RoleName: "sdk-role", PolicyName: "p", PolicyDocument: PUSH_POLICY }));
    expect(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: "sdk-role", PolicyName: "p" }))).PolicyDocument!)).toBe(PUSH_POLICY);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: "sdk-role" }))).PolicyNames).toEqual(["p"]);
    expect((await iam.send(new ListRolesCommand({ PathPrefix: "/deckhand/" }))).Roles!.map((r) => r.RoleName)).toEqual(["sdk-role"]);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "sdk-role", PolicyName: "p" }));
    await iam.send(new DeleteRoleCommand({ RoleName: "sdk-role" }));
    expect(await errorOf(iam.send(new GetRoleCommand({ RoleName: "sdk-role" })))).toMatchObject({ name: "NoSuchEntityException", status: 404 });
  });
});

describe("STS AssumeRoleWithWebIdentity", () => {
  beforeAll(async () => {
    const iam = t.iam();
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${GITHUB}`, ClientIDList: ["sts.amazonaws.com"] }));
    await iam.send(new CreateRoleCommand({ RoleName: "github-ecr-push-role", AssumeRolePolicyDocument: trust("repo:acme/mcp-servers:ref:refs/heads/main") }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "github-ecr-push-role", PolicyName: "ecr-push-policy", PolicyDocument: PUSH_POLICY }));
    await iam.send(new CreateRoleCommand({ RoleName: "prod-deploy", AssumeRolePolicyDocument: trust("repo:acme/mcp-servers:environment:*", "StringLike") }));
  });
  const ROLE = "arn:aws:iam::123456789012:role/github-ecr-push-role";

  it("hands the AWS CLI a role session whose credentials SigV4 accepts, with the role's permissions only, until they expire", async () => {
    const token = await idToken();
    const r = await t.cli(["sts", "assume-role-with-web-identity", "--role-arn", ROLE, "--role-session-name", "GitHubActions", "--web-identity-token", token]);
    expect(r.code).toBe(0);
    expect(outputShapeProblems("sts", "AssumeRoleWithWebIdentity", r.json)).toEqual([]);
    expect(r.json).toMatchObject({
      SubjectFromWebIdentityToken: "repo:acme/mcp-servers:ref:refs/heads/main",
      Audience: "sts.amazonaws.com",
      Provider: PROVIDER_ARN,
      AssumedRoleUser: { Arn: "arn:aws:sts::123456789012:assumed-role/github-ecr-push-role/GitHubActions", AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:GitHubActions$/) },
      Credentials: { AccessKeyId: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/), SecretAccessKey: expect.any(String), SessionToken: expect.any(String) },
    });
    const expires = new Date(r.json.Credentials.Expiration).getTime();
    expect(Math.round((expires - Date.now()) / 60_000)).toBe(60);
    const creds = { accessKeyId: r.json.Credentials.AccessKeyId, secretAccessKey: r.json.Credentials.SecretAccessKey };
    const env = { AWS_SESSION_TOKEN: r.json.Credentials.SessionToken };

    const [who, allowed, denied, noToken] = await Promise.all([
      t.cli(["sts", "get-caller-identity"], creds, "us-east-1", env),
      t.cli(["ecr", "describe-repositories"], creds, "us-east-1", env),
      t.cli(["ecr", "create-repository", "--repository-name", "nope"], creds, "us-east-1", env),
      t.cli(["sts", "get-caller-identity"], creds),
    ]);
    expect(who.json).toEqual({ UserId: r.json.AssumedRoleUser.AssumedRoleId, Account: "123456789012", Arn: r.json.AssumedRoleUser.Arn });
    expect(allowed.code).toBe(0);
    expect(denied.stderr).toContain(
      "An error occurred (AccessDeniedException) when calling the CreateRepository operation: User: arn:aws:sts::123456789012:assumed-role/github-ecr-push-role/GitHubActions is not authorized to perform: ecr:CreateRepository on resource: arn:aws:ecr:us-east-1:123456789012:repository/nope because no identity-based policy allows the ecr:CreateRepository action",
    );
    expect(noToken.stderr).toContain("(InvalidClientTokenId)");
    const lastUsed = (await t.iam().send(new GetRoleCommand({ RoleName: "github-ecr-push-role" }))).Role!.RoleLastUsed!;
    expect(lastUsed.Region).toBe("us-east-1");

    // Past their lifetime the sandbox refuses them, as AWS does (the session's end moved rather than waiting an hour).
    t.sb.ctx.db.prepare(`UPDATE aws_sts_sessions SET expires_ms = ? WHERE access_key_id = ?`).run(Date.now() - 1000, creds.accessKeyId);
    const [expiredQuery, expiredJson] = await Promise.all([t.cli(["sts", "get-caller-identity"], creds, "us-east-1", env), t.cli(["ecr", "describe-repositories"], creds, "us-east-1", env)]);
    expect(expiredQuery.stderr).toContain("An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired");
    expect(expiredJson.stderr).toContain("(ExpiredTokenException)");
  }, CLI_TIMEOUT_MS);

  it("refuses as STS does: another subject, audience, issuer, a lapsed or forged token, too long a session", async () => {
    const sts = anonymousSts();
    const assume = (WebIdentityToken: string, RoleArn = ROLE, DurationSeconds?: number) => errorOf(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn, RoleSessionName: "GitHubActions", WebIdentityToken, DurationSeconds })));

    expect(await assume(await idToken({ eventName: "pull_request", ref: "refs/pull/3/merge" }))).toEqual({ name: "AccessDenied", status: 403, message: "Not authorized to perform sts:AssumeRoleWithWebIdentity" });
    expect(await assume(await idToken({ ref: "refs/heads/feature" }))).toMatchObject({ name: "AccessDenied" });
    expect(await assume(await idToken(), "arn:aws:iam::123456789012:role/no-such-role")).toMatchObject({ name: "AccessDenied" });
    expect(await assume(await idToken({ audience: undefined }))).toEqual({ name: "InvalidIdentityTokenException", status: 400, message: "Incorrect token audience" });
    expect(await assume(await idToken({ issuedAt: Math.floor(Date.now() / 1000) - 3600 }))).toMatchObject({ name: "ExpiredTokenException", status: 400, message: expect.stringMatching(/^Token expired: current date\/time \d+ must be before the expiration date\/time\d+$/) });
    expect(await assume(await idToken(), ROLE, 7200)).toMatchObject({ name: "ValidationError", message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." });

    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const genuine = decodeJwt(await idToken());
    const kid = decodeProtectedHeader(await idToken()).kid!;
    const forged = await new SignJWT(genuine).setProtectedHeader({ alg: "RS256", typ: "JWT", kid }).sign(privateKey);
    expect(await assume(forged)).toMatchObject({ name: "InvalidIdentityTokenException" });
    const otherIssuer = await new SignJWT({ ...genuine, iss: "https://gitlab.example.com" }).setProtectedHeader({ alg: "RS256", kid }).sign(privateKey);
    expect(await assume(otherIssuer)).toEqual({ name: "InvalidIdentityTokenException", status: 400, message: "No OpenIDConnect provider found in your account for https://gitlab.example.com" });
    expect(await assume("not-a-jwt")).toMatchObject({ name: "InvalidIdentityTokenException" });

    // A trust policy on environments admits the environment's subject only.
    const prod = "arn:aws:iam::123456789012:role/prod-deploy";
    const ok = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: prod, RoleSessionName: "deploy", WebIdentityToken: await idToken({ environment: "prod" }) }));
    expect(ok.AssumedRoleUser!.Arn).toBe("arn:aws:sts::123456789012:assumed-role/prod-deploy/deploy");
    expect(await assume(await idToken(), prod)).toMatchObject({ name: "AccessDenied" });
  });

  it("records web-identity calls in CloudTrail as AWS does, failures included, and the session's calls as AssumedRole", async () => {
    const sts = anonymousSts();
    const since = new Date(Date.now() - 1000);
    const session = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: "trail-session", WebIdentityToken: await idToken() }));
    await errorOf(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: "trail-refused", WebIdentityToken: await idToken({ eventName: "pull_request" }) })));
    const ecr = new ECRClient({ endpoint: t.url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! } });
    await ecr.send(new DescribeRepositoriesCommand({}));

    const ct = t.cloudtrail();
    const events = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }], StartTime: since }))).Events!;
    const parsed = events.map((e) => JSON.parse(e.CloudTrailEvent!));
    const ok = parsed.find((e) => e.requestParameters.roleSessionName === "trail-session");
    expect(ok).toMatchObject({
      eventSource: "sts.amazonaws.com",
      eventName: "AssumeRoleWithWebIdentity",
      readOnly: true,
      userIdentity: { type: "WebIdentityUser", principalId: `${PROVIDER_ARN}:sts.amazonaws.com:repo:acme/mcp-servers:ref:refs/heads/main`, userName: "repo:acme/mcp-servers:ref:refs/heads/main", identityProvider: PROVIDER_ARN },
      requestParameters: { roleArn: ROLE, roleSessionName: "trail-session" },
      responseElements: { credentials: { accessKeyId: session.Credentials!.AccessKeyId }, subjectFromWebIdentityToken: "repo:acme/mcp-servers:ref:refs/heads/main", provider: PROVIDER_ARN, audience: "sts.amazonaws.com" },
      additionalEventData: { identityProviderConnectionVerificationMethod: "IAMTrustStore" },
      resources: [{ type: "AWS::IAM::Role", ARN: ROLE }],
    });
    const refused = parsed.find((e) => e.requestParameters.roleSessionName === "trail-refused");
    expect(refused).toMatchObject({ errorCode: "AccessDenied", errorMessage: "An unknown error occurred", responseElements: null, userIdentity: { userName: "repo:acme/mcp-servers:pull_request" } });
    // Deckhand's doctor looks failures up by the subject they presented.
    const bySubject = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "repo:acme/mcp-servers:pull_request" }], StartTime: since }))).Events!;
    expect(bySubject.map((e) => e.EventName)).toContain("AssumeRoleWithWebIdentity");

    const calls = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: session.Credentials!.AccessKeyId! }], StartTime: since }))).Events!;
    expect(calls.map((e) => e.EventName)).toEqual(["DescribeRepositories"]);
    expect(calls[0].Username).toBe("trail-session");
    expect(JSON.parse(calls[0].CloudTrailEvent!).userIdentity).toMatchObject({
      type: "AssumedRole",
      arn: "arn:aws:sts::123456789012:assumed-role/github-ecr-push-role/trail-session",
      accessKeyId: session.Credentials!.AccessKeyId,
      sessionContext: { sessionIssuer: { type: "Role", arn: ROLE, userName: "github-ecr-push-role" }, webIdFederationData: { federatedProvider: PROVIDER_ARN } },
    });
  });

  it("lets a role session log in to the registry and pull, refusing what its policy lacks", async () => {
    const session = await anonymousSts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: "registry", WebIdentityToken: await idToken() }));
    const credentials = { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! };
    const ecr = new ECRClient({ endpoint: t.url, region: "us-east-1", maxAttempts: 1, credentials });
    const who = await new STSClient({ endpoint: t.url, region: "us-east-1", maxAttempts: 1, credentials }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::123456789012:assumed-role/github-ecr-push-role/registry");
    const auth = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;
    const pull = await fetch(`${t.url}/v2/mcp-server-tcp/manifests/latest`, { headers: { authorization: `Basic ${auth}` } });
    expect(pull.status).toBe(200);
    const push = await fetch(`${t.url}/v2/mcp-server-tcp/blobs/uploads/`, { method: "POST", headers: { authorization: `Basic ${auth}` } });
    expect(push.status).toBe(403);
    expect(((await push.json()) as { errors: Array<{ message: string }> }).errors[0].message).toContain("assumed-role/github-ecr-push-role/registry is not authorized to perform: ecr:InitiateLayerUpload");
    expect(await errorOf(ecr.send(new PutImageCommand({ repositoryName: "mcp-server-tcp", imageManifest: "{}", imageTag: "x" })))).toMatchObject({ name: "AccessDeniedException" });
  });
});
